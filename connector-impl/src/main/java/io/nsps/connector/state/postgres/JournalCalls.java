package io.nsps.connector.state.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.state.Journal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The journal's upstream calls as the {@code upstream_calls} column keeps them: a JSON array. */
final class JournalCalls {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<List<Journal.UpstreamCall>> CALLS = new TypeReference<>() { };

    private JournalCalls() {
    }

    static String toJson(List<Journal.UpstreamCall> calls) {
        try {
            return MAPPER.writeValueAsString(calls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Journal.UpstreamCall> fromJson(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return MAPPER.readValue(json, CALLS);
        } catch (IOException e) {
            return List.of();
        }
    }
}
