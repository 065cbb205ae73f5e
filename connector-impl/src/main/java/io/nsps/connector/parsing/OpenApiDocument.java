package io.nsps.connector.parsing;

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
     * a context stack per branch, more than doubling the validation time of every event
     * (docs/performance.md). None of the documents uses it; if one ever does, networknt logs it once as an
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
     * field that way (docs/performance.md); a type list
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
        forEachSchema(document, schema -> rewriteNullable(schema, nullableBranch(schema)));
        return document;
    }

    /** Rewrites, in place, every integer type of {@code components/schemas} as {@link #acceptDigitStrings} says. Returns the document. */
    static JsonNode withDigitStrings(JsonNode document) {
        forEachSchema(document, OpenApiDocument::acceptDigitStrings);
        return document;
    }

    /** Every schema under {@code components/schemas}, children before their parent. */
    private static void forEachSchema(JsonNode document, java.util.function.Consumer<ObjectNode> rewrite) {
        JsonNode schemas = document.path("components").path("schemas");
        if (schemas.isObject()) {
            schemas.forEach(schema -> visit(schema, rewrite));
        }
    }

    private static void visit(JsonNode schema, java.util.function.Consumer<ObjectNode> rewrite) {
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
                // Maps of names to schemas, and lists of schemas.
                case "properties", "patternProperties", "$defs", "dependentSchemas", "allOf", "anyOf", "oneOf", "prefixItems" ->
                        value.forEach(child -> visit(child, rewrite));
                default -> visit(value, rewrite);
            }
        }
        rewrite.accept(object);
    }

    /**
     * Integers may also be written as a string of digits (PortaBilling's webhooks print ids so:
     * {@code "i_account": "1000889"}): {@code type: integer} becomes {@code [integer, string]} with a
     * pattern that only strings must match (up to 18 digits, so that the value fits a long). Binding
     * reads such a string as the number (Jackson's scalar coercion).
     */
    private static void acceptDigitStrings(ObjectNode schema) {
        JsonNode type = schema.get("type");
        boolean integer = type != null && (type.isTextual() && type.asText().equals("integer")
                || type.isArray() && contains(type, "integer") && !contains(type, "string"));
        if (!integer) {
            return;
        }
        ArrayNode types = schema.arrayNode();
        if (type.isArray()) {
            type.forEach(types::add);
        } else {
            types.add("integer");
        }
        types.add("string");
        schema.set("type", types);
        if (!schema.has("pattern")) {
            schema.put("pattern", DIGITS);
        }
    }

    private static boolean contains(JsonNode types, String type) {
        for (JsonNode each : types) {
            if (type.equals(each.asText())) {
                return true;
            }
        }
        return false;
    }

    private static void rewriteNullable(ObjectNode object, ObjectNode nonNull) {
        if (nonNull != null) {
            ArrayNode types = object.arrayNode().add(nonNull.get("type").asText()).add("null");
            object.remove("anyOf");
            nonNull.properties().forEach(field -> {
                if (!object.has(field.getKey())) {
                    object.set(field.getKey(), field.getValue());
                }
            });
            object.set("type", types);
        }
    }

    /** A whole number written as a string: up to 18 digits, so it always fits a long. */
    static final String DIGITS = "^-?[0-9]{1,18}$";

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

    /** networknt's own reader of documents, with {@link #withNullableTypes} and {@link #withDigitStrings} applied to what it reads. */
    private static JsonNodeReader nullableTypesReader() {
        JsonNodeReader documents = JsonNodeReader.builder().build();
        return new JsonNodeReader() {
            @Override
            public JsonNode readTree(String content, InputFormat format) throws IOException {
                return withDigitStrings(withNullableTypes(documents.readTree(content, format)));
            }

            @Override
            public JsonNode readTree(InputStream content, InputFormat format) throws IOException {
                return withDigitStrings(withNullableTypes(documents.readTree(content, format)));
            }
        };
    }
}
