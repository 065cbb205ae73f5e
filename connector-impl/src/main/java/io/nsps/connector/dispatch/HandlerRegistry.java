package io.nsps.connector.dispatch;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.credentials.CredentialsFactory;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerConfigurationException;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.spi.UpstreamCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.Set;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds handler factories with {@link ServiceLoader}: on the connector's classpath (the built-in
 * handlers) and in the handlers folder (vendors' drop-ins: each jar, and each sub-folder of jars,
 * in its own {@link HandlerClassLoader}), then creates the enabled ones. Duplicate names, unknown
 * names and handlers' configuration problems all stop start-up together, with the list of what is
 * available and where it was looked for.
 */
public final class HandlerRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HandlerRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** A jar file name's version, as Maven names jars: from the first dash followed by a digit. */
    private static final Pattern VERSION_SUFFIX = Pattern.compile("-\\d");

    private final Map<String, HandlerFactory> factories;
    private final Map<String, Map<String, String>> settingsRead = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where the handlers folder is, and what was loaded from it, for "unknown handler". */
    private final String searched;
    private final String folderSummary;
    /** The vendor handlers' class loaders, closed with the registry (their jars stay open until then). */
    private final List<HandlerClassLoader> loaders;

    private HandlerRegistry(Map<String, HandlerFactory> factories, String searched, String folderSummary, List<HandlerClassLoader> loaders) {
        this.factories = factories;
        this.searched = searched;
        this.folderSummary = folderSummary;
        this.loaders = loaders;
    }

    /** One line: the handlers folder, and what was loaded from it (logged at start-up). */
    public String folderSummary() {
        return folderSummary;
    }

    /** Every factory found, by name; fails on duplicate or malformed names and unloadable jars. */
    public static HandlerRegistry discover(Path handlersDir) throws ConfigurationException {
        List<String> problems = new ArrayList<>();
        Map<String, HandlerFactory> factories = new LinkedHashMap<>();
        ClassLoader connector = HandlerRegistry.class.getClassLoader();
        load(ServiceLoader.load(HandlerFactory.class, connector), "built in", factories, problems);
        List<String> loaded = new ArrayList<>();
        List<HandlerClassLoader> loaders = new ArrayList<>();
        for (Map.Entry<String, URL[]> unit : handlerUnits(handlersDir, problems).entrySet()) {
            HandlerClassLoader loader = new HandlerClassLoader("handler " + unit.getKey(), unit.getValue(), connector);
            loaders.add(loader);
            int found = load(ServiceLoader.load(HandlerFactory.class, loader), unit.getKey(), factories, problems);
            loaded.add(unit.getKey() + (found == 0 ? " (no handler factory)" : ""));
        }
        Path folder = handlersDir.toAbsolutePath().normalize();
        boolean exists = Files.isDirectory(handlersDir);
        String searched = "the built-in handlers and the handlers folder " + folder
                + (!exists ? " (which does not exist)" : loaded.isEmpty() ? " (no jars in it)" : " (" + String.join(", ", loaded) + ")");
        String summary = "Handlers folder " + folder + ": " + (!exists ? "does not exist; built-in handlers only"
                : loaded.isEmpty() ? "no jars; built-in handlers only" : "loaded " + String.join(", ", loaded));
        if (!problems.isEmpty()) {
            loaders.forEach(HandlerRegistry::closeQuietly);
            throw new ConfigurationException(problems);
        }
        return new HandlerRegistry(factories, searched, summary, loaders);
    }

    /** Adds the factories {@code loader} finds; returns how many it found (duplicates and invalid ones included). */
    private static int load(ServiceLoader<HandlerFactory> loader, String origin, Map<String, HandlerFactory> factories,
                            List<String> problems) {
        int found = 0;
        try {
            for (ServiceLoader.Provider<HandlerFactory> provider : loader.stream().toList()) {
                found++;
                HandlerFactory factory;
                try {
                    factory = ContextLoader.with(provider.type().getClassLoader(), provider::get);
                } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                    problems.add("handler factory " + provider.type().getName() + " (" + origin + ") cannot be created: " + e.getMessage());
                    continue;
                }
                String name = factory.name();
                if (name == null || !NAME.matcher(name).matches()) {
                    problems.add("handler factory " + factory.getClass().getName() + " (" + origin + ") has an invalid name '" + name
                            + "' (lower case letters, digits and dashes)");
                    continue;
                }
                HandlerFactory previous = factories.putIfAbsent(name, factory);
                if (previous != null) {
                    problems.add("two handlers are named '" + name + "': " + origin(previous) + " and " + origin(factory));
                }
            }
        } catch (ServiceConfigurationError e) {
            problems.add("a handler jar is broken (" + origin + "): " + e.getMessage());
        }
        return found;
    }

    /**
     * The settings each handler {@link #create}d here read (its own and its credentials'), with
     * their effective values, secrets masked: what {@code check-config} prints.
     */
    public Map<String, String> settingsRead(String handler) {
        return settingsRead.getOrDefault(handler, Map.of());
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
    public List<RegisteredHandler> create(List<String> enabled, Map<String, String> env, Clock clock, ConnectorMetrics metrics)
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
                problems.add("HANDLERS names unknown handler '" + name + "'; available: " + available() + " (looked in " + searched + ")");
                continue;
            }
            int before = problems.size();
            EnvironmentReader reader = new EnvironmentReader(env, problems);
            settingsRead.put(name, reader.settingsRead());
            UpstreamCredentials credentials = CredentialsFactory.create(factory.configPrefix(), reader, clock,
                    result -> metrics.credentialRenewal(name, result));
            HandlerContext context = new DefaultHandlerContext(name, new EnvHandlerConfig(factory.configPrefix(), reader), clock,
                    credentials, metrics);
            ClassLoader loader = factory.getClass().getClassLoader();
            EventHandler handler;
            Set<String> types;
            try {
                handler = ContextLoader.with(loader, () -> factory.create(context));
                types = handler == null ? Set.of() : ContextLoader.with(loader, handler::eventTypes);
            } catch (HandlerConfigurationException e) {
                problems.add("handler " + name + ": " + e.getMessage());
                continue;
            } catch (RuntimeException | LinkageError e) {
                // LinkageError: a class its jar does not hold (a library left out of its folder).
                if (problems.size() == before || e instanceof LinkageError) {
                    problems.add("handler " + name + " failed to start: " + e + (e instanceof NoClassDefFoundError
                            ? " (a class neither its jar nor the connector's SPI holds: put the handler's jar and the libraries it bundles"
                              + " in one sub-folder of the handlers folder, as the archetype's target/handler/<name>/ has them)"
                            : ""));
                }
                continue;
            }
            if (problems.size() > before) {
                if (handler != null) {
                    new RegisteredHandler(name, handler, List.of(), loader, credentials).close();
                }
                continue;
            }
            if (handler == null) {
                problems.add("handler " + name + ": its factory returned no handler and reported no problem");
                continue;
            }
            List<EventTypePattern> patterns = new ArrayList<>();
            for (String type : types) {
                try {
                    patterns.add(EventTypePattern.of(type));
                } catch (IllegalArgumentException e) {
                    problems.add("handler " + name + ": " + e.getMessage());
                }
            }
            if (patterns.isEmpty()) {
                problems.add("handler " + name + " takes no event types");
            }
            EventHandler enabledHandler = handler;
            boolean callsOut;
            try {
                callsOut = !ContextLoader.with(loader, enabledHandler::endpoints).isEmpty();
            } catch (RuntimeException e) {
                callsOut = false;
            }
            metrics.handlerEnabled(name, credentials.scheme(), callsOut);
            created.add(new RegisteredHandler(name, handler, patterns, loader, credentials));
        }
        if (!problems.isEmpty()) {
            created.forEach(RegisteredHandler::close);
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

    /**
     * The handlers folder's units, by name: each jar directly in it, and each sub-folder with the
     * jars directly in that one (a handler with its libraries beside it), in name order.
     */
    private static Map<String, URL[]> handlerUnits(Path dir, List<String> problems) {
        Map<String, URL[]> units = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return units;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.sorted().toList()) {
                if (isJar(entry)) {
                    units.put(entry.getFileName().toString(), new URL[] {entry.toUri().toURL()});
                } else if (Files.isDirectory(entry)) {
                    List<URL> jars = new ArrayList<>();
                    try (Stream<Path> files = Files.list(entry)) {
                        List<Path> found = files.filter(HandlerRegistry::isJar).sorted().toList();
                        for (Path jar : found) {
                            jars.add(jar.toUri().toURL());
                        }
                        oneVersionOfEach(entry, found, problems);
                    }
                    if (!jars.isEmpty()) {
                        String names = jars.stream().map(url -> Path.of(url.getPath()).getFileName().toString())
                                .collect(java.util.stream.Collectors.joining(", "));
                        units.put(entry.getFileName() + "/ (" + names + ")", jars.toArray(URL[]::new));
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            problems.add("HANDLERS_DIR " + dir.toAbsolutePath().normalize() + " cannot be read");
        }
        return units;
    }

    /**
     * Refuses a sub-folder holding two versions of one jar: its class loader would take each class
     * from whichever comes first in name order, so a handler upgraded by copying its new folder over
     * the old one would silently keep running the old code. Jars are one artifact when they have one
     * artifactId: their {@code META-INF/maven/.../pom.properties}' when they hold exactly one, else
     * their file name's up to the version ({@code pcrf-handler-1.0.1.jar}: {@code pcrf-handler}).
     * Two jars of one artifact are two versions when their pom.properties give two versions, or when
     * neither file name is the other's with a classifier ({@code x-2.0.jar} and
     * {@code x-2.0-linux-x86_64.jar} are one version; two timestamped builds of one SNAPSHOT are two).
     */
    private static void oneVersionOfEach(Path folder, List<Path> jars, List<String> problems) {
        Map<String, List<JarIdentity>> byArtifact = new LinkedHashMap<>();
        for (Path jar : jars) {
            JarIdentity identity = JarIdentity.of(jar);
            byArtifact.computeIfAbsent(identity.artifactId(), artifact -> new ArrayList<>()).add(identity);
        }
        byArtifact.values().forEach(same -> {
            boolean twoVersions = same.stream().map(JarIdentity::version).filter(java.util.Objects::nonNull).distinct().count() > 1
                    || same.stream().filter(jar -> same.stream().noneMatch(other -> jar.hasClassifierOf(other))).count() > 1;
            if (twoVersions) {
                problems.add("the handlers folder's " + folder.getFileName() + "/ holds " + same.size() + " versions of " + same.get(0).label()
                        + " (" + same.stream().map(JarIdentity::fileName).collect(java.util.stream.Collectors.joining(", ")) + "): keep one."
                        + " To upgrade a handler, replace its folder (remove it, then copy the new one) rather than copying the new one over it");
            }
        });
    }

    /** What a jar of a handler's folder is, for {@link #oneVersionOfEach}. */
    private record JarIdentity(String fileName, String artifactId, String label, String version) {

        /** Whether this jar's name is {@code other}'s with a classifier: {@code other-name-<letter>...}. */
        boolean hasClassifierOf(JarIdentity other) {
            String mine = fileName.substring(0, fileName.length() - ".jar".length());
            String theirs = other.fileName.substring(0, other.fileName.length() - ".jar".length());
            return mine.length() > theirs.length() + 1 && mine.startsWith(theirs + "-") && Character.isLetter(mine.charAt(theirs.length() + 1));
        }

        static JarIdentity of(Path jar) {
            String fileName = jar.getFileName().toString();
            try (JarFile file = new JarFile(jar.toFile())) {
                List<JarEntry> poms = file.stream().filter(entry -> entry.getName().startsWith("META-INF/maven/")
                        && entry.getName().endsWith("/pom.properties")).toList();
                if (poms.size() == 1) {
                    Properties pom = new Properties();
                    try (InputStream in = file.getInputStream(poms.get(0))) {
                        pom.load(in);
                    }
                    String artifact = pom.getProperty("artifactId");
                    if (artifact != null) {
                        return new JarIdentity(fileName, artifact, pom.getProperty("groupId", "?") + ":" + artifact, pom.getProperty("version"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Unreadable here: the class loader reports the broken jar; go by its name.
            }
            String name = fileName.replaceFirst("\\.jar$", "");
            Matcher version = VERSION_SUFFIX.matcher(name);
            String artifact = version.find() ? name.substring(0, version.start()) : name;
            return new JarIdentity(fileName, artifact, artifact, null);
        }
    }

    private static boolean isJar(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".jar");
    }

    /** Closes the vendor handlers' class loaders (their jar files); after the handlers are closed. */
    @Override
    public void close() {
        loaders.forEach(HandlerRegistry::closeQuietly);
    }

    private static void closeQuietly(HandlerClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            LOG.warn("A handler's class loader could not be closed: {}", e.toString());
        }
    }

    private static String origin(HandlerFactory factory) {
        var source = factory.getClass().getProtectionDomain().getCodeSource();
        String where = source == null || source.getLocation() == null ? "?" : Path.of(source.getLocation().getPath()).getFileName().toString();
        return factory.getClass().getName() + " (" + where + ")";
    }

}
