package io.nsps.connector.parsing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.ContractValidator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The project's document stays compatible with the one NSPS publishes (api-spec/published/):
 * every path, operation, response status, schema, property, property type, required field and
 * error type of the published document is in ours. When NSPS publishes a new document, replace
 * the published file: this test lists what our document lacks.
 */
final class PublishedSpecCompatibilityTest {

    @Test
    void everythingPublishedIsInTheProjectsDocument() throws IOException {
        JsonNode published = load("openapi/published/nsps-connector-openapi.json");
        JsonNode ours = ContractValidator.document();
        List<String> missing = new ArrayList<>();

        for (Iterator<Map.Entry<String, JsonNode>> paths = published.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> operations = path.getValue().fields(); operations.hasNext(); ) {
                Map.Entry<String, JsonNode> operation = operations.next();
                JsonNode ourOperation = ours.path("paths").path(path.getKey()).path(operation.getKey());
                if (ourOperation.isMissingNode()) {
                    missing.add("operation " + operation.getKey() + " " + path.getKey());
                    continue;
                }
                operation.getValue().path("responses").fieldNames().forEachRemaining(status -> {
                    if (ourOperation.path("responses").path(status).isMissingNode()) {
                        missing.add("response " + status + " of " + operation.getKey() + " " + path.getKey());
                    }
                });
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> schemas = published.path("components").path("schemas").fields(); schemas.hasNext(); ) {
            Map.Entry<String, JsonNode> schema = schemas.next();
            JsonNode ourSchema = ours.path("components").path("schemas").path(schema.getKey());
            if (ourSchema.isMissingNode()) {
                missing.add("schema " + schema.getKey());
                continue;
            }
            if (!schema.getValue().path("required").equals(ourSchema.path("required"))) {
                missing.add("required fields of " + schema.getKey() + ": " + schema.getValue().path("required"));
            }
            if (!schema.getValue().path("enum").equals(ourSchema.path("enum"))) {
                missing.add("enum of " + schema.getKey() + ": " + schema.getValue().path("enum"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> properties = schema.getValue().path("properties").fields(); properties.hasNext(); ) {
                Map.Entry<String, JsonNode> property = properties.next();
                JsonNode ourProperty = ourSchema.path("properties").path(property.getKey());
                if (ourProperty.isMissingNode()) {
                    missing.add("property " + schema.getKey() + "." + property.getKey());
                } else if (!options(ours, ourProperty).containsAll(options(published, property.getValue()))) {
                    missing.add("type of " + schema.getKey() + "." + property.getKey() + ": " + types(property.getValue()));
                }
            }
        }

        assertThat(missing).as("published contract elements missing from api-spec's nsps-connector.json").isEmpty();
    }

    @Test
    void theDocumentedEnrichmentIsInTheProjectsDocument() {
        JsonNode pbData = ContractValidator.document().path("components").path("schemas").path("PBData").path("properties");

        assertThat(pbData.has("prev_sim_info")).isTrue();
        assertThat(pbData.has("product_info")).isTrue();
        assertThat(pbData.has("full_vd_counter_info")).isTrue();
    }

    /**
     * The alternatives a property allows, each as {@link #types}: the branches of its anyOf or oneOf,
     * and those of a schema it refers to that is only such a choice (as AccessPolicyInfoOrList is), so
     * that a property of ours that allows more than the published one still covers it.
     */
    private static Set<String> options(JsonNode document, JsonNode property) {
        Set<String> options = new java.util.LinkedHashSet<>();
        for (String combinator : List.of("anyOf", "oneOf")) {
            property.path(combinator).forEach(branch -> options.addAll(options(document, branch)));
        }
        if (!options.isEmpty()) {
            return options;
        }
        String ref = property.path("$ref").asText("");
        JsonNode target = ref.startsWith("#/") ? document.at(ref.substring(1)) : null;
        if (target != null && !target.has("type") && !target.has("properties") && (target.has("anyOf") || target.has("oneOf"))) {
            options.add(types(property));
            options.addAll(options(document, target));
            return options;
        }
        options.add(types(property));
        return options;
    }

    /** The JSON types and references a property allows, ignoring annotations such as format or title. */
    private static String types(JsonNode property) {
        List<String> types = new ArrayList<>();
        if (property.has("type")) {
            types.add(property.path("type").asText());
        }
        if (property.has("$ref")) {
            types.add(property.path("$ref").asText());
        }
        if (property.has("items")) {
            types.add("items:" + types(property.path("items")));
        }
        for (String combinator : List.of("anyOf", "allOf", "oneOf")) {
            property.path(combinator).forEach(option -> types.add(combinator + ":" + types(option)));
        }
        return String.join(",", types);
    }

    private static JsonNode load(String resource) throws IOException {
        try (InputStream in = PublishedSpecCompatibilityTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }
}
