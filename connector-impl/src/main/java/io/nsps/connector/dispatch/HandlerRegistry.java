package io.nsps.connector.dispatch;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.credentials.CredentialsFactory;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerConfigurationException;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds handler factories with {@link ServiceLoader}: on the connector's classpath (the built-in
 * handlers) and in every jar of the handlers folder (vendors' drop-ins), then creates the enabled
 * ones. Duplicate names, unknown names and handlers' configuration problems all stop start-up
 * together, with the list of what is available.
 */
public final class HandlerRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(HandlerRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Map<String, HandlerFactory> factories;

    private HandlerRegistry(Map<String, HandlerFactory> factories) {
        this.factories = factories;
    }

    /** Every factory found, by name; fails on duplicate or malformed names and unloadable jars. */
    public static HandlerRegistry discover(Path handlersDir) throws ConfigurationException {
        List<String> problems = new ArrayList<>();
        ClassLoader loader = handlersClassLoader(handlersDir, problems);
        Map<String, HandlerFactory> factories = new LinkedHashMap<>();
        try {
            for (ServiceLoader.Provider<HandlerFactory> provider : ServiceLoader.load(HandlerFactory.class, loader).stream().toList()) {
                HandlerFactory factory;
                try {
                    factory = provider.get();
                } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                    problems.add("handler factory " + provider.type().getName() + " cannot be created: " + e.getMessage());
                    continue;
                }
                String name = factory.name();
                if (name == null || !NAME.matcher(name).matches()) {
                    problems.add("handler factory " + factory.getClass().getName() + " has an invalid name '" + name
                            + "' (lower case letters, digits and dashes)");
                    continue;
                }
                HandlerFactory previous = factories.putIfAbsent(name, factory);
                if (previous != null) {
                    problems.add("two handlers are named '" + name + "': " + origin(previous) + " and " + origin(factory));
                }
            }
        } catch (ServiceConfigurationError e) {
            problems.add("a handler jar is broken: " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new HandlerRegistry(factories);
    }

    public Map<String, HandlerFactory> factories() {
        return Map.copyOf(factories);
    }

    public List<String> names() {
        return List.copyOf(factories.keySet());
    }

    /**
     * Creates the handlers named in {@code enabled}, in that order. Configuration problems of every
     * handler are reported together with {@code earlierProblems}.
     */
    public List<RegisteredHandler> create(List<String> enabled, Map<String, String> env, Clock clock)
            throws ConfigurationException {
        List<String> problems = new ArrayList<>();
        List<RegisteredHandler> created = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : enabled) {
            if (!seen.add(name)) {
                problems.add("HANDLERS names '" + name + "' twice; available: " + available());
                continue;
            }
            HandlerFactory factory = factories.get(name);
            if (factory == null) {
                problems.add("HANDLERS names unknown handler '" + name + "'; available: " + available());
                continue;
            }
            int before = problems.size();
            EnvironmentReader reader = new EnvironmentReader(env, problems);
            HandlerContext context = new DefaultHandlerContext(name, new EnvHandlerConfig(factory.configPrefix(), reader), clock,
                    CredentialsFactory.create(factory.configPrefix(), reader, clock));
            EventHandler handler;
            try {
                handler = factory.create(context);
            } catch (HandlerConfigurationException e) {
                problems.add("handler " + name + ": " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                if (problems.size() == before) {
                    problems.add("handler " + name + " failed to start: " + e.getMessage());
                }
                continue;
            }
            if (problems.size() > before) {
                handler.close();
                continue;
            }
            List<EventTypePattern> patterns = new ArrayList<>();
            for (String type : handler.eventTypes()) {
                try {
                    patterns.add(EventTypePattern.of(type));
                } catch (IllegalArgumentException e) {
                    problems.add("handler " + name + ": " + e.getMessage());
                }
            }
            if (patterns.isEmpty()) {
                problems.add("handler " + name + " takes no event types");
            }
            created.add(new RegisteredHandler(name, handler, patterns));
        }
        if (!problems.isEmpty()) {
            created.forEach(h -> h.handler().close());
            throw new ConfigurationException(problems);
        }
        for (RegisteredHandler handler : created) {
            LOG.info("Handler {} enabled for event types {}", handler.name(), handler.patterns());
        }
        return created;
    }

    private String available() {
        return factories.isEmpty() ? "none" : String.join(", ", factories.keySet());
    }

    private static ClassLoader handlersClassLoader(Path dir, List<String> problems) {
        ClassLoader parent = HandlerRegistry.class.getClassLoader();
        if (!Files.isDirectory(dir)) {
            return parent;
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path jar : files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                jars.add(jar.toUri().toURL());
                LOG.info("Handler jar {} added to the classpath", jar.getFileName());
            }
        } catch (IOException | SecurityException e) {
            problems.add("HANDLERS_DIR " + dir + " cannot be read");
            return parent;
        }
        return jars.isEmpty() ? parent : new URLClassLoader("handlers", jars.toArray(URL[]::new), parent);
    }

    private static String origin(HandlerFactory factory) {
        var source = factory.getClass().getProtectionDomain().getCodeSource();
        String where = source == null || source.getLocation() == null ? "?" : Path.of(source.getLocation().getPath()).getFileName().toString();
        return factory.getClass().getName() + " (" + where + ")";
    }

}
