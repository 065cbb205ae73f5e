package io.nsps.connector.launcher;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.server.ConnectorServer;
import io.nsps.connector.spi.testing.ConnectorRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;

/**
 * The connector started inside a test's JVM, for the handler testing kit's {@code NspsConnector}
 * (found through {@code META-INF/services}; the kit is an optional dependency, absent at run time).
 * Starts exactly what {@code serve} starts, from a map instead of the process environment.
 */
public final class EmbeddedConnector implements ConnectorRuntime {

    @Override
    public Running start(Map<String, String> environment) {
        ConnectorServer server;
        try {
            server = ConnectorApplication.start(environment);
        } catch (ConfigurationException e) {
            throw new IllegalStateException("the connector cannot start:\n  " + String.join("\n  ", e.problems()), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Running() {
            @Override
            public URI baseUri() {
                return server.baseUri();
            }

            @Override
            public URI eventsUri() {
                return server.eventsUri();
            }

            @Override
            public void close() {
                server.shutdownGracefully();
            }
        };
    }
}
