package io.nsps.connector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import io.nsps.connector.parsing.OpenApiDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a response against the project's OpenAPI document: the status must be declared for the
 * operation, the content type must be the declared one, and the body must validate (with
 * networknt's JSON Schema validator) against the declared schema. Responses to requests that
 * match no operation (unknown paths, wrong methods) must be {@code ErrorResponse}s.
 */
public final class ContractValidator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode DOCUMENT = load();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private ContractValidator() {
    }

    /**
     * @param operationPath the document's path of the operation the request was meant for
     *     ({@code /process-event} whatever EVENTS_PATH is), or null when it matched none
     */
    public static void validate(String operationPath, String method, int status, String contentType, String body) {
        assertThat(contentType).as("Content-Type of a %d answer", status).startsWith("application/json");
        JsonNode operation = operationPath == null ? null
                : DOCUMENT.path("paths").path(operationPath).path(method.toLowerCase(java.util.Locale.ROOT));
        String schemaName;
        if (operation == null || operation.isMissingNode()) {
            assertThat(status).as("status of a request outside the documented operations").isBetween(400, 599);
            schemaName = "ErrorResponse";
        } else {
            JsonNode response = operation.path("responses").path(Integer.toString(status));
            assertThat(response.isMissingNode()).as("%s %s answered %d, which the document does not declare", method, operationPath, status)
                    .isFalse();
            JsonNode schema = response.path("content").path("application/json").path("schema");
            assertThat(schema.isMissingNode()).as("declared JSON schema of %s %s %d", method, operationPath, status).isFalse();
            String ref = schema.path("$ref").asText();
            assertThat(ref).as("schema reference of %s %s %d", method, operationPath, status).startsWith("#/components/schemas/");
            schemaName = ref.substring("#/components/schemas/".length());
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("a " + status + " answer is not JSON: " + body, e);
        }
        Set<ValidationMessage> problems = SCHEMAS.computeIfAbsent(schemaName, OpenApiDocument::componentSchema).validate(tree);
        assertThat(problems).as("%d answer %s against %s", status, body, schemaName).isEmpty();
    }

    private static JsonNode load() {
        try (InputStream in = ContractValidator.class.getClassLoader().getResourceAsStream(OpenApiDocument.CLASSPATH_LOCATION)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
