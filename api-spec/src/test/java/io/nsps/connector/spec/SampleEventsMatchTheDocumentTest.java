package io.nsps.connector.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every field of every sample event (examples/events/, which the suite and vendors' tests post) is
 * one the project's document declares. The document lets unknown fields through, as NSPS's events
 * may carry new ones; so after NSPS renames a field, a sample still carrying the old name would
 * pass every test that posts it, testing an event NSPS no longer sends. Here it fails, named.
 */
final class SampleEventsMatchTheDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SAMPLES = Path.of("src/main/resources/examples/events");

    @Test
    void everySampleFieldIsDeclared() throws IOException {
        JsonNode document = JSON.readTree(Path.of("src/main/resources/openapi/nsps-connector.json").toFile());
        List<String> undeclared = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> samples = Files.list(SAMPLES)) {
            for (Path sample : samples.filter(path -> path.toString().endsWith(".json")).sorted().toList()) {
                JsonNode event;
                try {
                    event = JSON.readTree(sample.toFile());
                } catch (IOException deliberatelyBroken) {
                    continue; // invalid-truncated.json: not JSON, on purpose
                }
                undeclaredFields(document, event, JSON.createObjectNode().put("$ref", "#/components/schemas/Event"),
                        sample.getFileName() + ": $", undeclared);
                checked++;
            }
        }

        assertThat(checked).as("samples read").isGreaterThanOrEqualTo(8);
        assertThat(undeclared).as("sample fields the project's document does not declare (renamed or removed by NSPS?)").isEmpty();
    }

    /** Walks {@code node} along {@code schema}: an object's fields must be among its schema's properties (any branch's). */
    private static void undeclaredFields(JsonNode document, JsonNode node, JsonNode schema, String path, List<String> undeclared) {
        List<JsonNode> branches = branches(document, schema);
        if (node.isObject()) {
            Map<String, JsonNode> properties = new LinkedHashMap<>();
            branches.forEach(branch -> branch.path("properties").fields().forEachRemaining(p -> properties.putIfAbsent(p.getKey(), p.getValue())));
            if (properties.isEmpty()) {
                return; // a free-form object (data.variables)
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode property = properties.get(field.getKey());
                if (property == null) {
                    undeclared.add(path + "." + field.getKey());
                } else {
                    undeclaredFields(document, field.getValue(), property, path + "." + field.getKey(), undeclared);
                }
            }
        } else if (node.isArray()) {
            branches.stream().filter(branch -> branch.has("items")).findFirst().ifPresent(array -> {
                for (int i = 0; i < node.size(); i++) {
                    undeclaredFields(document, node.get(i), array.get("items"), path + "[" + i + "]", undeclared);
                }
            });
        }
    }

    /** The schema with its references followed and its anyOf, oneOf and allOf branches flattened. */
    private static List<JsonNode> branches(JsonNode document, JsonNode schema) {
        JsonNode resolved = schema;
        while (resolved.has("$ref")) {
            resolved = document.at(resolved.get("$ref").asText().substring(1));
        }
        List<JsonNode> branches = new ArrayList<>();
        for (String combinator : List.of("anyOf", "oneOf", "allOf")) {
            resolved.path(combinator).forEach(branch -> branches.addAll(branches(document, branch)));
        }
        branches.add(resolved);
        return branches;
    }
}
