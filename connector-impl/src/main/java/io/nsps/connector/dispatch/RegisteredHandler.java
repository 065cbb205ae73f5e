package io.nsps.connector.dispatch;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.UpstreamCredentials;
import java.util.List;

/**
 * An enabled handler with the event type patterns it declared, and the class loader of its
 * factory (its own for a vendor's jar), which is the thread's context class loader while any of
 * its code runs ({@link ContextLoader}).
 */
public record RegisteredHandler(String name, EventHandler handler, List<EventTypePattern> patterns, ClassLoader loader,
                                UpstreamCredentials credentials) {

    public RegisteredHandler {
        patterns = List.copyOf(patterns);
    }

    /** A handler of the connector's own class path, without credentials (tests). */
    public RegisteredHandler(String name, EventHandler handler, List<EventTypePattern> patterns) {
        this(name, handler, patterns, handler.getClass().getClassLoader(), io.nsps.connector.credentials.CredentialsFactory.none());
    }

    public boolean takes(String eventType) {
        for (EventTypePattern pattern : patterns) {
            if (pattern.matches(eventType)) {
                return true;
            }
        }
        return false;
    }

    /** Closes the handler, under its class loader. */
    public void close() {
        ContextLoader.with(loader, () -> {
            handler.close();
            return null;
        });
    }
}
