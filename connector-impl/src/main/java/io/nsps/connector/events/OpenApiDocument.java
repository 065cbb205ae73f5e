package io.nsps.connector.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.serialization.JsonNodeReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The project's NSPS connector OpenAPI document, read from the classpath (packaged by
 * {@code api-spec}). Its component schemas are JSON Schema 2020-12 (OpenAPI 3.1), validated with
 * networknt's json-schema-validator: the same schemas the code is generated from decide what an
 * acceptable event is.
 */
public final class OpenApiDocument {

    public static final String CLASSPATH_LOCATION = "openapi/nsps-connector.json";

    /**
     * JSON Schema 2020-12, plus the OpenAPI words that may stand around and inside its schemas.
     * "discriminator" is deliberately not among them: a dialect naming it makes networknt switch on
     * OpenAPI discriminator handling, which evaluates every anyOf branch (no short-circuit) and keeps
     * a context stack per branch, more than doubling the validation time of every event (measured:
     * 1 MB event, JMH). None of the documents uses it; if one ever does, networknt logs it once as an
     * unknown keyword and ignores it, which is all a non-validating word needs.
     */
    private static final JsonMetaSchema OPENAPI_31_DIALECT = JsonMetaSchema.builder(JsonMetaSchema.getV202012())
            .keywords(Stream.of("openapi", "info", "servers", "paths", "components", "security", "tags", "webhooks",
                            "externalDocs", "jsonSchemaDialect", "xml", "example")
                    .map(NonValidationKeyword::new).toList())
            .build();

    /** Words that only annotate a schema: they may stand beside the nullable anyOf that is rewritten. */
    private static final Set<String> ANNOTATIONS = Set.of("description", "title", "examples", "example", "default", "deprecated",
            "readOnly", "writeOnly", "$comment", "externalDocs", "xml");

    /**
     * Words of a nullable anyOf's non-null branch that apply to one type only (a null passes them),
     * so that {@code anyOf: [{type: T, <these>}, {type: null}]} means the same as
     * {@code {type: [T, null], <these>}}. Anything else (enum, const, $ref, applicators,
     * unevaluated*) leaves the anyOf as it is.
     */
    private static final Set<String> ONE_TYPE_WORDS = Set.of("type", "format", "pattern", "minLength", "maxLength", "minimum",
            "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "items", "minItems", "maxItems", "uniqueItems",
            "properties", "additionalProperties", "required", "minProperties", "maxProperties");

    /**
     * Documents are read through {@link #withNullableTypes}: networknt evaluates an anyOf branch by
     * branch, with a validation context each, and the generated documents spell every nullable
     * field that way (~4% of the connector's CPU per event under load, async-profiler); a type list
     * is one check.
     */
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.metaSchema(OPENAPI_31_DIALECT).jsonNodeReader(nullableTypesReader()));

    private OpenApiDocument() {
    }

    /** The schema of {@code #/components/schemas/<name>} of this document, reporting every violation. */
    public static JsonSchema componentSchema(String name) {
        return componentSchema(CLASSPATH_LOCATION, name);
    }

    /**
     * The schema of {@code #/components/schemas/<name>} of an OpenAPI document on the classpath.
     * OpenAPI 3.0 schemas are read as 2020-12 too: the keywords the project's documents use
     * (type, enum, pattern, required, items, maxItems, additionalProperties) mean the same in both.
     */
    public static JsonSchema componentSchema(String classpathLocation, String name) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_PATH)
                .failFast(false)
                .build();
        JsonSchema schema = FACTORY.getSchema(
                SchemaLocation.of("classpath:" + classpathLocation + "#/components/schemas/" + name), config);
        schema.initializeValidators();
        return schema;
    }

    /**
     * Rewrites, in place, every {@code anyOf: [{type: T, ...}, {type: "null"}]} under
     * {@code components/schemas} whose non-null branch uses only {@link #ONE_TYPE_WORDS} (and
     * annotations) into that branch with {@code type: [T, "null"]}: the same instances are valid and
     * invalid, and an instance of the wrong type is reported once, as a type mismatch, instead of
     * once per branch. Returns the document.
     */
    static JsonNode withNullableTypes(JsonNode document) {
        JsonNode schemas = document.path("components").path("schemas");
        if (schemas.isObject()) {
            schemas.forEach(OpenApiDocument::rewriteSchema);
        }
        return document;
    }

    private static void rewriteSchema(JsonNode schema) {
        if (!(schema instanceof ObjectNode object)) {
            return;
        }
        // Children first (each rewrites only itself), then this schema.
        for (Map.Entry<String, JsonNode> entry : object.properties()) {
            String word = entry.getKey();
            JsonNode value = entry.getValue();
            switch (word) {
                // Instances, not schemas.
                case "examples", "example", "default", "const", "enum" -> { }
                // Maps of names to schemas.
                case "properties", "patternProperties", "$defs", "dependentSchemas" -> value.forEach(OpenApiDocument::rewriteSchema);
                // Lists of schemas.
                case "allOf", "anyOf", "oneOf", "prefixItems" -> value.forEach(OpenApiDocument::rewriteSchema);
                default -> rewriteSchema(value);
            }
        }
        ObjectNode nonNull = nullableBranch(object);
        if (nonNull != null) {
            ArrayNode types = object.arrayNode().add(nonNull.get("type").asText()).add("null");
            object.remove("anyOf");
            nonNull.fields().forEachRemaining(field -> {
                if (!object.has(field.getKey())) {
                    object.set(field.getKey(), field.getValue());
                }
            });
            object.set("type", types);
        }
    }

    /** The non-null branch of a nullable anyOf that can be rewritten as a type list, or null. */
    private static ObjectNode nullableBranch(ObjectNode schema) {
        JsonNode anyOf = schema.get("anyOf");
        if (anyOf == null || !anyOf.isArray() || anyOf.size() != 2) {
            return null;
        }
        JsonNode first = anyOf.get(0);
        JsonNode second = anyOf.get(1);
        JsonNode nonNull = isNullType(second) ? first : isNullType(first) ? second : null;
        if (!(nonNull instanceof ObjectNode branch) || !branch.path("type").isTextual() || branch.get("type").asText().equals("null")) {
            return null;
        }
        for (var names = schema.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("anyOf") && !ANNOTATIONS.contains(name)) {
                return null;
            }
        }
        for (var names = branch.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!ONE_TYPE_WORDS.contains(name) && !ANNOTATIONS.contains(name)) {
                return null;
            }
        }
        return branch;
    }

    private static boolean isNullType(JsonNode schema) {
        return schema.isObject() && schema.size() == 1 && "null".equals(schema.path("type").asText(null));
    }

    /** networknt's own reader of documents, with {@link #withNullableTypes} applied to what it reads. */
    private static JsonNodeReader nullableTypesReader() {
        JsonNodeReader documents = JsonNodeReader.builder().build();
        return new JsonNodeReader() {
            @Override
            public JsonNode readTree(String content, InputFormat format) throws IOException {
                return withNullableTypes(documents.readTree(content, format));
            }

            @Override
            public JsonNode readTree(InputStream content, InputFormat format) throws IOException {
                return withNullableTypes(documents.readTree(content, format));
            }
        };
    }
}
