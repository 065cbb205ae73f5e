package io.nsps.connector.dispatch;

import io.nsps.connector.spi.EventHandler;
import java.util.List;

/**
 * An enabled handler with the event type patterns it declared. Its class loader (its own for a
 * vendor's jar) is the thread's context class loader while it runs.
 */
public record RegisteredHandler(String name, EventHandler handler, List<EventTypePattern> patterns) {

    public RegisteredHandler {
        patterns = List.copyOf(patterns);
    }

    ClassLoader loader() {
        return handler.getClass().getClassLoader();
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
