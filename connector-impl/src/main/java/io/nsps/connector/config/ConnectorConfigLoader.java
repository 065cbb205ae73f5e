package io.nsps.connector.config;

import io.nsps.connector.config.ConnectorConfig.AuthMode;
import io.nsps.connector.config.ConnectorConfig.JwtAlgorithm;
import io.nsps.connector.config.ConnectorConfig.JwtSettings;
import io.nsps.connector.logging.LogFormat;
import io.nsps.connector.logging.LogLevel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates {@link ConnectorConfig} from environment variables; reports every problem at once. */
public final class ConnectorConfigLoader {

    public static final int DEFAULT_PORT = 8080;
    /** The path NSPS's own documents use, shown in the demo; events are taken on any path unless EVENTS_PATH says one. */
    public static final String DOCUMENTED_EVENTS_PATH = "/process-event";
    public static final long DEFAULT_MAX_BODY_BYTES = 2L << 20;
    public static final long DEFAULT_MAX_BODY_BYTES_IN_FLIGHT = 8L << 20;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    static final int MIN_API_TOKEN_CHARS = 16;
    public static final int DEFAULT_MANAGEMENT_PORT = 8081;

    /** A path of one or more segments of unreserved URL characters, or "/" alone. */
    private static final Pattern EVENTS_PATH = Pattern.compile("/|(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+/?");

    private ConnectorConfigLoader() {
    }

    /**
     * {@code HANDLERS_DIR} ({@code handlers} by default); a relative one is resolved against the
     * connector's home ({@code NSPS_CONNECTOR_HOME}, which the launcher sets to its own folder),
     * else against the current folder, so that the same setting works from any current folder.
     */
    public static Path handlersDir(Map<String, String> env) {
        Path dir = Path.of(env.getOrDefault("HANDLERS_DIR", "").isBlank() ? "handlers" : env.get("HANDLERS_DIR").trim());
        String home = env.get("NSPS_CONNECTOR_HOME");
        return dir.isAbsolute() || home == null || home.isBlank() ? dir : Path.of(home).resolve(dir);
    }

    public static ConnectorConfig load(Map<String, String> env) throws ConfigurationException {
        return load(env, Runtime.getRuntime().maxMemory());
    }

    /** {@link #load(Map)} for a JVM whose heap may grow to {@code maxHeapBytes}. */
    static ConnectorConfig load(Map<String, String> env, long maxHeapBytes) throws ConfigurationException {
        List<String> problems = new ArrayList<>();
        EnvironmentReader reader = new EnvironmentReader(env, problems);

        String host = reader.get("HOST").orElse("0.0.0.0");
        int port = (int) reader.number("PORT", DEFAULT_PORT, 0, 65535);

        AuthMode authMode = reader.choice("AUTH_MODE", AuthMode.class, AuthMode.STATIC);
        int problemsBefore = problems.size();
        List<Secret> tokens = apiTokens(reader);
        Optional<JwtSettings> jwt = Optional.empty();
        // A token given but refused (too short, not ASCII) is reported once, as such.
        if (authMode == AuthMode.STATIC && tokens.isEmpty() && problems.size() == problemsBefore) {
            reader.problem("API_TOKEN is required: the Bearer token NSPS sends (a comma-separated list is accepted to rotate tokens)");
        }
        if (authMode == AuthMode.JWT) {
            jwt = jwtSettings(reader);
        }

        Optional<String> eventsPath = eventsPath(reader);
        List<String> handlers = handlerNames(reader);
        Path handlersDir = handlersDir(env);
        long maxBody = reader.byteSize("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 1L << 30);
        LogLevel logLevel = reader.choice("LOG_LEVEL", LogLevel.class, LogLevel.INFO);
        LogFormat logFormat = reader.choice("LOG_FORMAT", LogFormat.class, LogFormat.JSON);
        Duration grace = reader.duration("SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE);
        int workerThreads = (int) reader.number("WORKER_THREADS", 128, 2, 4096);
        ConnectorConfig.StateSettings state = stateSettings(reader, maxHeapBytes);
        // Four per core, eight on PostgreSQL. A running worker also waits without being counted as
        // blocked (a log write, a lock, an upstream call shorter than the pool's tick), and the others
        // keep the core busy meanwhile. On PostgreSQL each delivery also waits twice for the shared
        // session's round, for less than the tick: eight per core keep the cores busy and the rounds
        // fuller (docs/performance.md, "The worker pool on PostgreSQL").
        long runningPerCore = state.kind() == ConnectorConfig.StateStoreKind.POSTGRES ? 8 : 4;
        int runningWorkers = (int) reader.number("RUNNING_WORKERS",
                Math.min(workerThreads, runningPerCore * Runtime.getRuntime().availableProcessors()), 1, 4096);
        if (runningWorkers > workerThreads) {
            reader.problem("RUNNING_WORKERS (" + runningWorkers + ") must be at most WORKER_THREADS (" + workerThreads + ")");
        }
        // Requests now wait here before admission control sees them (it runs on a worker), so the queue
        // must outlast any realistic number of concurrent senders for those beyond MAX_CONCURRENT_EVENTS
        // to get their 503 rather than a closed connection. A waiting request is a few KB.
        int workerQueue = (int) reader.number("WORKER_QUEUE", 1024, 0, 1_000_000);
        // The threads that accept connections, read and parse requests (headers and bodies) and hand
        // them to the workers: one feeds about four cores of workers. One per four cores, at least
        // one; Grizzly's own default is one per core plus one (docs/performance.md).
        int selectorThreads = (int) reader.number("SELECTOR_THREADS", Math.max(1, Runtime.getRuntime().availableProcessors() / 4),
                1, 256);
        Duration idleTimeout = reader.duration("IDLE_TIMEOUT", Duration.ofSeconds(30), Duration.ofSeconds(1));
        int maxConcurrent = (int) reader.number("MAX_CONCURRENT_EVENTS", Math.max(1, workerThreads * 3L / 4), 1, 4096);
        if (maxConcurrent >= workerThreads) {
            reader.problem("MAX_CONCURRENT_EVENTS must be below WORKER_THREADS (" + workerThreads
                    + "): the spare workers answer health checks and refusals under load");
        }
        // A 1 MB event takes about 6 MB of heap while it is parsed and validated: this budget, not the
        // number of events, is what bounds the heap when large events arrive together.
        long bodiesInFlight = reader.byteSize("MAX_BODY_BYTES_IN_FLIGHT", DEFAULT_MAX_BODY_BYTES_IN_FLIGHT, 1024, Integer.MAX_VALUE);
        if (bodiesInFlight < maxBody) {
            reader.problem("MAX_BODY_BYTES_IN_FLIGHT (" + bodiesInFlight + ") must be at least MAX_BODY_BYTES (" + maxBody
                    + "): otherwise the largest accepted event could never be admitted");
        }
        Duration bodyReadTimeout = reader.duration("BODY_READ_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100));
        Duration headerReadTimeout = reader.duration("HEADER_READ_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100));
        Duration idleMemoryReturnAfter = reader.duration("IDLE_MEMORY_RETURN_AFTER", Duration.ofSeconds(60));
        // Longer than any admitted request can legitimately take (body, lock and in-flight waits, a handler's deadline).
        Duration healthStuckAfter = reader.duration("HEALTH_STUCK_AFTER", Duration.ofMinutes(2), Duration.ofSeconds(1));
        // PortaBilling drops an event answered 4xx: an upstream's rate limit, transient, is a 503 unless
        // the operator knows his NSPS retries a 429.
        int rateLimitStatus = (int) reader.number("UPSTREAM_RATE_LIMIT_STATUS", 503, 100, 599);
        // The management port: /metrics for scrapes, /health for probes, the journal and replay for
        // the operator's commands; never the NSPS token. 8081 as Dropwizard's admin port; 0 turns it off.
        int managementPort = (int) reader.number("MANAGEMENT_PORT", DEFAULT_MANAGEMENT_PORT, 0, 65535);
        if (managementPort != 0 && managementPort == port) {
            reader.problem("MANAGEMENT_PORT must differ from PORT (" + port + ")");
        }
        Optional<Secret> managementToken = reader.secret("MANAGEMENT_TOKEN").map(Secret::of);
        managementToken.ifPresent(token -> {
            if (token.reveal().length() < MIN_API_TOKEN_CHARS) {
                reader.problem("MANAGEMENT_TOKEN must have at least " + MIN_API_TOKEN_CHARS + " characters");
            }
        });
        if (rateLimitStatus != 503 && rateLimitStatus != 429) {
            reader.problem("UPSTREAM_RATE_LIMIT_STATUS must be 503 (the default: NSPS retries it) or 429");
        }

        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems, reader.settingsRead().keySet());
        }
        return new ConnectorConfig(host, port, authMode, tokens, jwt, eventsPath, handlers, handlersDir, maxBody, logLevel,
                logFormat, grace, workerThreads, runningWorkers, workerQueue, selectorThreads, maxConcurrent, bodiesInFlight,
                idleTimeout, bodyReadTimeout, headerReadTimeout, idleMemoryReturnAfter, healthStuckAfter, rateLimitStatus, managementPort,
                managementToken, state, Set.copyOf(reader.settingsRead().keySet()));
    }

    private static ConnectorConfig.StateSettings stateSettings(EnvironmentReader reader, long maxHeapBytes) {
        ConnectorConfig.StateStoreKind kind = reader.choice("STATE_STORE", ConnectorConfig.StateStoreKind.class,
                ConnectorConfig.StateStoreKind.MEMORY);
        String url = null;
        String user = null;
        Secret password = null;
        if (kind == ConnectorConfig.StateStoreKind.POSTGRES) {
            url = reader.require("STATE_DB_URL");
            if (url != null && !url.startsWith("jdbc:postgresql:")) {
                reader.problem("STATE_DB_URL: must be a PostgreSQL JDBC URL like jdbc:postgresql://db:5432/nsps");
            }
            user = reader.get("STATE_DB_USER").orElse("postgres");
            password = reader.secret("STATE_DB_PASSWORD").map(Secret::of).orElse(null);
        }
        String schema = reader.get("STATE_DB_SCHEMA").orElse("nsps");
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            reader.problem("STATE_DB_SCHEMA: '" + schema + "' is not a plain lower-case schema name");
        }
        int poolSize = (int) reader.number("STATE_DB_POOL_SIZE", 16, 2, 500);
        Duration dbTimeout = reader.duration("STATE_DB_TIMEOUT", Duration.ofSeconds(5));
        if (dbTimeout.compareTo(Duration.ofMillis(250)) < 0 || dbTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
            reader.problem("STATE_DB_TIMEOUT must be between 250ms and 60s");
        }
        long maxEvents = reader.number("STATE_MEMORY_MAX_EVENTS", 200_000, 1000, 100_000_000);
        Duration ttl = reader.duration("IDEMPOTENCY_TTL", Duration.ofDays(35), Duration.ofHours(1));
        Duration lease = reader.duration("CLAIM_LEASE", Duration.ofSeconds(60), Duration.ofSeconds(1));
        Duration inFlightWait = reader.duration("INFLIGHT_WAIT", Duration.ofSeconds(15));
        Duration lockWait = reader.duration("SUBSCRIBER_LOCK_WAIT", Duration.ofSeconds(15));
        // A day covers any time zone PortaBilling might stamp local times in, read as UTC.
        Duration maxAhead = reader.duration("EVENT_TIME_MAX_AHEAD", Duration.ofDays(1));
        String instance = reader.get("INSTANCE_ID").orElseGet(ConnectorConfigLoader::defaultInstanceId);
        // Bodies carry subscriber data: kept only as long as a replay is likely, then dropped.
        Duration bodyRetention = reader.duration("JOURNAL_BODY_RETENTION", Duration.ofDays(7));
        // Small by default: entries that live for thousands of events reach the old generation, and its
        // collections cost p99 (docs/performance.md, "The memory store's journal").
        int journalEntries = (int) reader.number("JOURNAL_MEMORY_MAX_ENTRIES", 1_000, 0, 10_000_000);
        long journalBodyBytes = reader.byteSize("JOURNAL_MEMORY_MAX_BODY_BYTES", 4L << 20, 0, 1L << 30); // one array
        // The memory journal's body array grows to this bound as bodies come, its last growth holding
        // the old array beside the new one: a bound the heap cannot hold fails here, not once reached.
        if (kind == ConnectorConfig.StateStoreKind.MEMORY && journalEntries > 0 && journalBodyBytes > maxHeapBytes / 4) {
            reader.problem("JOURNAL_MEMORY_MAX_BODY_BYTES (" + journalBodyBytes + ") must be at most a quarter of the heap ("
                    + maxHeapBytes / 4 + " of " + maxHeapBytes + " bytes; NSPS_HEAP_PERCENT or JAVA_OPTS=-Xmx set the heap)");
        }
        return new ConnectorConfig.StateSettings(kind, url, user, password, schema, poolSize, dbTimeout, maxEvents, ttl, lease,
                inFlightWait, lockWait, maxAhead, instance, bodyRetention, journalEntries, journalBodyBytes);
    }

    private static String defaultInstanceId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "connector");
        return host + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    private static List<Secret> apiTokens(EnvironmentReader reader) {
        Optional<String> raw = reader.secret("API_TOKEN");
        List<Secret> tokens = new ArrayList<>();
        if (raw.isEmpty()) {
            return tokens;
        }
        for (String token : raw.get().split(",")) {
            String trimmed = token.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!trimmed.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                reader.problem("API_TOKEN: a token may hold printable ASCII characters only, without spaces");
                continue;
            }
            if (trimmed.length() < MIN_API_TOKEN_CHARS) {
                reader.problem("API_TOKEN: a token must have at least " + MIN_API_TOKEN_CHARS
                        + " characters (a short one is guessable, and too short to be masked in logs)");
                continue;
            }
            tokens.add(Secret.of(trimmed));
        }
        return tokens;
    }

    private static Optional<JwtSettings> jwtSettings(EnvironmentReader reader) {
        String keyFile = reader.require("JWT_PUBLIC_KEY");
        String issuer = reader.require("JWT_ISSUER");
        String audience = reader.require("JWT_AUDIENCE");
        JwtAlgorithm algorithm = reader.choice("JWT_ALGORITHM", JwtAlgorithm.class, JwtAlgorithm.RS256, Enum::name);
        Duration skew = reader.duration("JWT_CLOCK_SKEW", Duration.ofSeconds(30));
        if (keyFile == null || issuer == null || audience == null) {
            return Optional.empty();
        }
        try {
            String pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
            if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
                reader.problem("JWT_PUBLIC_KEY: " + keyFile + " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
                return Optional.empty();
            }
            return Optional.of(new JwtSettings(Path.of(keyFile), pem, algorithm, issuer, audience, skew));
        } catch (IOException | RuntimeException e) {
            reader.problem("JWT_PUBLIC_KEY: cannot read " + keyFile);
            return Optional.empty();
        }
    }

    /** EVENTS_PATH, or empty when unset: then a POST on any path but /health is an event. */
    private static Optional<String> eventsPath(EnvironmentReader reader) {
        Optional<String> configured = reader.get("EVENTS_PATH");
        if (configured.isEmpty()) {
            return Optional.empty();
        }
        String path = configured.get();
        if (!EVENTS_PATH.matcher(path).matches()) {
            reader.problem("EVENTS_PATH: '" + path + "' is not a URL path; write it like / or /process-event or /api/events");
            return Optional.empty();
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.equals("/health")) {
            reader.problem("EVENTS_PATH: /health is the health check; choose another path");
        }
        return Optional.of(path);
    }

    private static List<String> handlerNames(EnvironmentReader reader) {
        List<String> names = reader.list("HANDLERS", List.of());
        if (names.isEmpty()) {
            reader.problem("HANDLERS is required: the comma-separated names of the handlers to enable"
                    + " (the 'handlers' command lists them)");
        }
        // Unknown and repeated names are reported by HandlerRegistry, which knows what is available.
        return names;
    }
}
