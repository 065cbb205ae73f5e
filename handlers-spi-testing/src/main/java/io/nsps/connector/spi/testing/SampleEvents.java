package io.nsps.connector.spi.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nsps.connector.model.Event;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The sample events shipped with the connector's API document (api-spec's
 * {@code examples/events/}), by name: {@code sim-updated}, {@code sim-updated-blocked},
 * {@code sim-created}, {@code sim-deleted}, {@code sim-replaced}, {@code minimal-valid},
 * {@code unsupported-event-type}, and the invalid ones ({@code invalid-missing-data},
 * {@code invalid-missing-event-id}, {@code invalid-truncated}, {@code invalid-wrong-types}).
 */
public final class SampleEvents {

    /** The valid samples' names, each an event as NSPS sends it. */
    public static final List<String> VALID = List.of("sim-updated", "sim-updated-blocked", "sim-created", "sim-deleted", "sim-replaced",
            "minimal-valid", "unsupported-event-type");

    private static final ObjectMapper MAPPER = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private SampleEvents() {
    }

    /** The sample's JSON, exactly as shipped. */
    public static String json(String name) {
        String file = "examples/events/" + (name.endsWith(".json") ? name : name + ".json");
        try (InputStream in = SampleEvents.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample event '" + name + "' (api-spec's " + file + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sample bound to the model a handler receives. */
    public static Event event(String name) {
        return parse(json(name));
    }

    /**
     * Any event's JSON bound to the model, as the connector binds it (unknown fields ignored). No
     * schema validation: to see what the connector answers an event, send it with
     * {@link NspsConnector#send}.
     */
    public static Event parse(String json) {
        try {
            return MAPPER.readValue(json, Event.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an event: " + e.getMessage(), e);
        }
    }

    /** The sample's JSON with another {@code event_id}, so that it is not "already processed". */
    public static String withEventId(String name, String eventId) {
        try {
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(json(name));
            tree.put("event_id", eventId);
            return MAPPER.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
