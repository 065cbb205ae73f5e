package io.nsps.connector.events;

import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
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

    private static final JsonSchemaFactory FACTORY =
            JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder -> builder.metaSchema(OPENAPI_31_DIALECT));

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
}
