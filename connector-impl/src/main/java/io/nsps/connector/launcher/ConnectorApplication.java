package io.nsps.connector.launcher;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.config.ConnectorConfigLoader;
import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.HandlerRegistry;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.http.ConnectorServer;
import io.nsps.connector.logging.LoggingSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires configuration, logging, handlers and the server together: what {@code serve} and {@code demo} run. */
public final class ConnectorApplication {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorApplication.class);

    private ConnectorApplication() {
    }

    /**
     * Validates everything first (the connector's settings and every enabled handler's), reporting
     * all problems in one exception, then starts listening.
     */
    public static ConnectorServer start(Map<String, String> env) throws ConfigurationException, IOException {
        List<String> problems = new ArrayList<>();
        ConnectorConfig config = null;
        try {
            config = ConnectorConfigLoader.load(env);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        if (config != null) {
            LoggingSetup.configure(config.logFormat(), config.logLevel());
        }

        List<RegisteredHandler> handlers = List.of();
        Path handlersDir = config != null ? config.handlersDir() : Path.of(env.getOrDefault("HANDLERS_DIR", "handlers"));
        List<String> enabled = config != null ? config.handlers()
                : new EnvironmentReader(env, new ArrayList<>()).list("HANDLERS", List.of()).stream().distinct().toList();
        try {
            HandlerRegistry registry = HandlerRegistry.discover(handlersDir);
            handlers = registry.create(enabled, env, Clock.systemUTC());
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            handlers.forEach(h -> h.handler().close());
            throw new ConfigurationException(problems);
        }
        LOG.info("Configuration: {}", config.describe());
        return ConnectorServer.start(config, new EventDispatcher(handlers));
    }
}
