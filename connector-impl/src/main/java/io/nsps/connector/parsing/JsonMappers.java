package io.nsps.connector.parsing;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The connector's one JSON configuration, for what it reads from NSPS and what it writes back. */
public final class JsonMappers {

    /** Limits that make hostile documents fail fast as 400s instead of costing memory or stack. */
    static final StreamReadConstraints READ_LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(1000)
            .maxNumberLength(1000)
            .maxNameLength(50_000)
            .maxStringLength(20_000_000)
            .build();

    private JsonMappers() {
    }

    public static ObjectMapper create() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(READ_LIMITS)
                // A repeated key is ambiguous (which value wins differs between parsers): refuse it.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                // NSPS adds fields over time; a field this version does not know is ignored.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                .build();
    }
}
