package io.nsps.connector.spi.testing;

import java.net.URI;
import java.util.Map;

/**
 * The connector, started in the test's JVM. Implemented by the connector (connector-impl, found
 * with {@link java.util.ServiceLoader}); {@link NspsConnector} is its user. Not for handlers.
 */
public interface ConnectorRuntime {

    /**
     * Starts a connector configured by {@code environment} exactly as {@code nsps-connector serve}
     * is by the process environment; returns once it takes events.
     *
     * @throws IllegalStateException with the configuration problems listed when it cannot start
     */
    Running start(Map<String, String> environment);

    /** A started connector. */
    interface Running extends AutoCloseable {

        /** {@code http://host:port/}. */
        URI baseUri();

        /** Where events are posted: {@code EVENTS_PATH}, or {@code /process-event} when any path takes them. */
        URI eventsUri();

        /** Stops it as SIGTERM does (requests in flight finish first). */
        @Override
        void close();
    }
}
