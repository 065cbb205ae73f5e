package io.nsps.connector.parsing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The documents' nullable fields ({@code anyOf: [{type: T}, {type: null}]}) are validated as type
 * lists ({@code type: [T, null]}): the rewrite must accept and refuse exactly what the anyOf did.
 */
final class NullableTypesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ORIGINAL = "https://nsps.test/original.json";
    private static final String REWRITTEN = "https://nsps.test/rewritten.json";

    /** Instances of every JSON type, and values that formats, lengths and items could tell apart. */
    private static final List<JsonNode> INSTANCES = List.of(
            NODES.nullNode(), NODES.booleanNode(true), NODES.numberNode(7), NODES.numberNode(-1),
            NODES.numberNode(new BigInteger("123456789012345678901234567890")), NODES.numberNode(1.5),
            NODES.textNode(""), NODES.textNode("text"), NODES.textNode("2025-03-19T12:00:00Z"), NODES.textNode("380501234567"),
            NODES.arrayNode(), NODES.arrayNode().add("a"), NODES.arrayNode().add(1), NODES.arrayNode().add(NODES.nullNode()),
            NODES.objectNode(), NODES.objectNode().put("a", 1));

    @ParameterizedTest
    @ValueSource(strings = {"openapi/nsps-connector.json", "openapi/hlr-hss.json"})
    void everyRewrittenFieldAcceptsAndRefusesWhatItsAnyOfDid(String document) throws Exception {
        JsonNode original = read(document);
        JsonNode rewritten = OpenApiDocument.withNullableTypes(original.deepCopy());
        // Both documents as they are, so that the fields' $refs resolve in their own document.
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder -> builder.schemaLoaders(
                loaders -> loaders.schemas(Map.of(ORIGINAL, original.toString(), REWRITTEN, rewritten.toString()))));
        int compared = 0;
        for (String pointer : anyOfLocations(original.path("components").path("schemas"), "/components/schemas")) {
            JsonNode before = original.at(pointer);
            JsonNode after = rewritten.at(pointer);
            if (before.equals(after)) {
                continue;
            }
            assertThat(after.has("anyOf")).as(pointer).isFalse();
            JsonSchema anyOf = factory.getSchema(SchemaLocation.of(ORIGINAL + "#" + pointer));
            JsonSchema typeList = factory.getSchema(SchemaLocation.of(REWRITTEN + "#" + pointer));
            for (JsonNode instance : INSTANCES) {
                assertThat(typeList.validate(instance).isEmpty())
                        .as("%s with %s", pointer, instance)
                        .isEqualTo(anyOf.validate(instance).isEmpty());
            }
            compared++;
        }
        if (document.equals("openapi/nsps-connector.json")) {
            // The generated document spells its nullable fields as anyOf: the rewrite must find them.
            assertThat(compared).isGreaterThan(20);
        }
    }

    @Test
    void theEventSchemaReportsAWrongTypedNullableFieldOnceAsATypeList() throws Exception {
        JsonSchema event = OpenApiDocument.componentSchema("Event");
        JsonNode instance = JSON.readTree("{\"event_id\":\"e1\",\"data\":{\"event_type\":\"SIM/Updated\"},"
                + "\"pb_data\":{\"account_info\":{\"i_account\":true}}}");

        Set<ValidationMessage> messages = event.validate(instance);

        assertThat(messages).filteredOn(m -> m.getInstanceLocation().toString().endsWith("i_account"))
                .singleElement()
                // An integer may also be written as a string of digits (OpenApiDocument.withDigitStrings).
                .satisfies(m -> assertThat(m.getMessage()).endsWith("boolean found, [integer, null, string] expected"));
    }

    @Test
    void anyOfsThatAreNotASimpleNullableTypeAreLeftAsTheyAre() throws Exception {
        JsonNode document = JSON.readTree("""
                {"components": {"schemas": {
                  "Enum":     {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]},
                  "Ref":      {"anyOf": [{"$ref": "#/components/schemas/Enum"}, {"type": "null"}]},
                  "Sibling":  {"anyOf": [{"type": "string"}, {"type": "null"}], "minLength": 2},
                  "Three":    {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
                  "TwoTypes": {"anyOf": [{"type": ["string", "integer"]}, {"type": "null"}]},
                  "NoNull":   {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                  "Example":  {"type": "object", "examples": [{"anyOf": [{"type": "string"}, {"type": "null"}]}]}
                }}}""");

        JsonNode rewritten = OpenApiDocument.withNullableTypes(document.deepCopy());

        assertThat(rewritten).isEqualTo(document);
    }

    @Test
    void aNullableFieldBecomesItsBranchWithNullAmongItsTypesAndKeepsItsAnnotations() throws Exception {
        JsonNode document = JSON.readTree("""
                {"components": {"schemas": {"Account": {"type": "object", "properties": {
                  "i_account": {"anyOf": [{"type": "integer", "format": "int64"}, {"type": "null"}], "title": "Account ID"},
                  "aliases": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}}]}
                }}}}}""");

        JsonNode rewritten = OpenApiDocument.withNullableTypes(document);

        assertThat(rewritten.at("/components/schemas/Account/properties/i_account")).isEqualTo(
                JSON.readTree("{\"type\": [\"integer\", \"null\"], \"format\": \"int64\", \"title\": \"Account ID\"}"));
        assertThat(rewritten.at("/components/schemas/Account/properties/aliases")).isEqualTo(
                JSON.readTree("{\"type\": [\"array\", \"null\"], \"items\": {\"type\": [\"string\", \"null\"]}}"));
    }

    private static JsonNode read(String document) throws Exception {
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(document)) {
            assertThat(in).as(document).isNotNull();
            return JSON.readTree(in);
        }
    }

    /** JSON pointers of every object holding an anyOf under {@code node}. */
    private static List<String> anyOfLocations(JsonNode node, String pointer) {
        List<String> locations = new ArrayList<>();
        if (node.isObject()) {
            if (node.has("anyOf")) {
                locations.add(pointer);
            }
            node.fields().forEachRemaining(field -> locations.addAll(
                    anyOfLocations(field.getValue(), pointer + "/" + field.getKey().replace("~", "~0").replace("/", "~1"))));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                locations.addAll(anyOfLocations(node.get(i), pointer + "/" + i));
            }
        }
        return locations;
    }
}
