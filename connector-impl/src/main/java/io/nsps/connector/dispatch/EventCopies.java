package io.nsps.connector.dispatch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nsps.connector.model.Event;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Deep copies of an event, for the handlers after the first one that take it. */
final class EventCopies {

    private static final ObjectMapper MAPPER = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private EventCopies() {
    }

    static Event copy(Event event) {
        try {
            return MAPPER.treeToValue(MAPPER.valueToTree(event), Event.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the event could not be copied for another handler", e);
        }
    }
}
