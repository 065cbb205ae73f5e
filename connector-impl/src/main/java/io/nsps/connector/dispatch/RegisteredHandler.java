package io.nsps.connector.dispatch;

import io.nsps.connector.spi.EventHandler;
import java.util.List;

/** An enabled handler with the event type patterns it declared. */
public record RegisteredHandler(String name, EventHandler handler, List<EventTypePattern> patterns) {

    public RegisteredHandler {
        patterns = List.copyOf(patterns);
    }

    public boolean takes(String eventType) {
        for (EventTypePattern pattern : patterns) {
            if (pattern.matches(eventType)) {
                return true;
            }
        }
        return false;
    }
}
