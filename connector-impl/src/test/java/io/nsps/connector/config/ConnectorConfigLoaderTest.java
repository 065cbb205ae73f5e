package io.nsps.connector.config;

import io.nsps.connector.logging.LogLevel;
import io.nsps.connector.logging.LogFormat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConnectorConfigLoaderTest {

    private static final Map<String, String> MINIMAL = Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log");

    @Test
    void defaultsAreTheDocumentedOnes() throws ConfigurationException {
        ConnectorConfig config = ConnectorConfigLoader.load(MINIMAL);

        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.eventsPath()).as("unset: events on any path but /health").isEmpty();
        assertThat(config.maxBodyBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(config.maxBodyBytesInFlight()).isEqualTo(8 * 1024 * 1024);
        assertThat(config.logFormat()).isEqualTo(LogFormat.JSON);
        assertThat(config.logLevel()).isEqualTo(LogLevel.INFO);
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.authMode()).isEqualTo(ConnectorConfig.AuthMode.STATIC);
        assertThat(config.handlersDir()).isEqualTo(Path.of("handlers"));
        assertThat(config.idleMemoryReturnAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.workerThreads()).isEqualTo(128);
        assertThat(config.workerQueue()).isEqualTo(1024);
        assertThat(config.runningWorkers()).isEqualTo(4 * Runtime.getRuntime().availableProcessors());
        assertThat(config.selectorThreads()).as("one per four cores, at least one")
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 4));
    }

    @Test
    void moreRunningWorkersThanWorkersAreRefused() {
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "WORKER_THREADS", "8", "MAX_CONCURRENT_EVENTS", "4", "RUNNING_WORKERS", "9")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "RUNNING_WORKERS (9) must be at most WORKER_THREADS (8)"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"418", "451", "500"})
    void aRateLimitStatusOtherThan503Or429IsRefusedInOneMessage(String status) {
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "UPSTREAM_RATE_LIMIT_STATUS", status)))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "UPSTREAM_RATE_LIMIT_STATUS must be 503 (the default: NSPS retries it) or 429"));
    }

    /** Its deliveries wait twice for the shared session's round: docs/performance.md, "The worker pool on PostgreSQL". */
    @Test
    void onPostgresqlEightWorkersPerCoreRunByDefaultAndRunningWorkersStillWins() throws ConfigurationException {
        Map<String, String> postgres = Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log", "STATE_STORE", "postgres",
                "STATE_DB_URL", "jdbc:postgresql://db:5432/nsps");
        Map<String, String> chosen = new java.util.HashMap<>(postgres);
        chosen.put("RUNNING_WORKERS", "3");
        Map<String, String> fewWorkers = new java.util.HashMap<>(postgres);
        fewWorkers.putAll(Map.of("WORKER_THREADS", "5", "MAX_CONCURRENT_EVENTS", "2"));

        assertThat(ConnectorConfigLoader.load(postgres).runningWorkers()).as("at most WORKER_THREADS, 128 by default")
                .isEqualTo(Math.min(128, 8 * Runtime.getRuntime().availableProcessors()));
        assertThat(ConnectorConfigLoader.load(chosen).runningWorkers()).isEqualTo(3);
        assertThat(ConnectorConfigLoader.load(fewWorkers).runningWorkers()).isEqualTo(5);
    }

    @Test
    void runningWorkersDefaultToNoMoreThanTheWorkers() throws ConfigurationException {
        ConnectorConfig config = ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "WORKER_THREADS", "2", "MAX_CONCURRENT_EVENTS", "1"));

        assertThat(config.runningWorkers()).isEqualTo(2);
    }

    @Test
    void idleMemoryReturnCanBeTurnedOff() throws ConfigurationException {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL);
        env.put("IDLE_MEMORY_RETURN_AFTER", "0s");

        assertThat(ConnectorConfigLoader.load(env).idleMemoryReturnAfter()).isZero();
    }

    @Test
    void aBareZeroKeepsNoBodies() throws ConfigurationException {
        for (String zero : new String[] {"0", "0s", "0ms"}) {
            Map<String, String> env = new java.util.HashMap<>(MINIMAL);
            env.put("JOURNAL_BODY_RETENTION", zero);

            assertThat(ConnectorConfigLoader.load(env).state().journalBodyRetention()).as(zero).isZero();
        }
        assertThat(ConnectorConfigLoader.load(MINIMAL).state().journalBodyRetention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aSettingThatCannotBeZeroRefusesZeroInItsOwnWords() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL);
        env.putAll(Map.of("IDEMPOTENCY_TTL", "0", "CLAIM_LEASE", "0s", "BODY_READ_TIMEOUT", "0", "HEADER_READ_TIMEOUT", "0",
                "IDLE_TIMEOUT", "0", "HEALTH_STUCK_AFTER", "0"));

        assertThatThrownBy(() -> ConnectorConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "IDEMPOTENCY_TTL: must be at least 1h, got 0s",
                        "CLAIM_LEASE: must be at least 1s, got 0s",
                        "BODY_READ_TIMEOUT: must be at least 100ms, got 0s",
                        "HEADER_READ_TIMEOUT: must be at least 100ms, got 0s",
                        "IDLE_TIMEOUT: must be at least 1s, got 0s",
                        "HEALTH_STUCK_AFTER: must be at least 1s, got 0s"));
    }

    @Test
    void aRelativeHandlersFolderIsTheConnectorHomesOne() {
        assertThat(ConnectorConfigLoader.handlersDir(Map.of("NSPS_CONNECTOR_HOME", "/opt/nsps"))).isEqualTo(Path.of("/opt/nsps/handlers"));
        assertThat(ConnectorConfigLoader.handlersDir(Map.of("NSPS_CONNECTOR_HOME", "/opt/nsps", "HANDLERS_DIR", "vendor")))
                .isEqualTo(Path.of("/opt/nsps/vendor"));
        assertThat(ConnectorConfigLoader.handlersDir(Map.of("NSPS_CONNECTOR_HOME", "/opt/nsps", "HANDLERS_DIR", "/srv/handlers")))
                .isEqualTo(Path.of("/srv/handlers"));
        assertThat(ConnectorConfigLoader.handlersDir(Map.of())).as("without a home: the current folder's").isEqualTo(Path.of("handlers"));
    }

    @Test
    void sizesDurationsAndListsUseTheDocumentedSyntax() throws ConfigurationException {
        ConnectorConfig config = ConnectorConfigLoader.load(Map.of("API_TOKEN", "a-token-0123456789, b-token-0123456789 ,", "HANDLERS", " log , probe",
                "MAX_BODY_BYTES", "64KiB", "SHUTDOWN_GRACE", "500ms", "EVENTS_PATH", "/api/events/", "LOG_FORMAT", "TEXT"));

        assertThat(config.apiTokens()).extracting(Secret::reveal).containsExactly("a-token-0123456789", "b-token-0123456789");
        assertThat(config.handlers()).containsExactly("log", "probe");
        assertThat(config.maxBodyBytes()).isEqualTo(65536);
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.eventsPath()).contains("/api/events");
        assertThat(config.logFormat()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void aBodyBudgetThatCannotHoldTheLargestBodyIsRefused() {
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "MAX_BODY_BYTES", "4MiB", "MAX_BODY_BYTES_IN_FLIGHT", "2MiB")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "MAX_BODY_BYTES_IN_FLIGHT (2097152) must be at least MAX_BODY_BYTES (4194304): otherwise the largest"
                                + " accepted event could never be admitted"));
    }

    @Test
    void aJournalBodyBoundOverAQuarterOfTheHeapIsRefusedAtStartNotWhenTheJournalReachesIt() throws ConfigurationException {
        long heap = 64L << 20;
        Map<String, String> tooLarge = Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log", "JOURNAL_MEMORY_MAX_BODY_BYTES", "17MiB");

        assertThatThrownBy(() -> ConnectorConfigLoader.load(tooLarge, heap))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "JOURNAL_MEMORY_MAX_BODY_BYTES (17825792) must be at most a quarter of the heap (16777216 of 67108864 bytes;"
                                + " NSPS_HEAP_PERCENT or JAVA_OPTS=-Xmx set the heap)"));
        assertThat(ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "JOURNAL_MEMORY_MAX_BODY_BYTES", "16MiB"), heap).state().journalMemoryBodyBytes()).isEqualTo(16L << 20);
        // No journal, or the PostgreSQL store's journal: no array in the heap.
        assertThat(ConnectorConfigLoader.load(Map.of("API_TOKEN", "s3cret-token-value", "HANDLERS", "log",
                "JOURNAL_MEMORY_MAX_BODY_BYTES", "17MiB", "JOURNAL_MEMORY_MAX_ENTRIES", "0"), heap)).isNotNull();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("PORT", "70000", "MAX_BODY_BYTES", "2 MB",
                "EVENTS_PATH", "/health", "HANDLERS", "log,log", "LOG_LEVEL", "loud", "AUTH_MODE", "jwt")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "PORT: must be between 0 and 65535, got 70000",
                        "MAX_BODY_BYTES: '2 MB' is not a size; write it in bytes or like 64KiB or 2MiB",
                        "EVENTS_PATH: /health is the health check; choose another path",
                        "LOG_LEVEL: 'loud' is not one of trace, debug, info, warn, error",
                        "JWT_PUBLIC_KEY is required",
                        "JWT_ISSUER is required",
                        "JWT_AUDIENCE is required"));
    }

    @Test
    void aTokenGivenButRefusedIsNotAlsoReportedMissing() {
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("API_TOKEN", "short", "HANDLERS", "log")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "API_TOKEN: a token must have at least 16 characters (a short one is guessable, and too short to be masked in logs)"));
        assertThatThrownBy(() -> ConnectorConfigLoader.load(Map.of("API_TOKEN", " , ", "HANDLERS", "log")))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("API_TOKEN is required"));
    }

    @Test
    void tokenCanComeFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "file-token-value\n");

        ConnectorConfig config = ConnectorConfigLoader.load(Map.of("API_TOKEN_FILE", file.toString(), "HANDLERS", "log"));

        assertThat(config.apiTokens()).extracting(Secret::reveal).containsExactly("file-token-value");
    }

    @Test
    void describingTheConfigurationNeverShowsSecrets() throws ConfigurationException {
        ConnectorConfig config = ConnectorConfigLoader.load(Map.of("API_TOKEN", "very-secret-token-1,very-secret-token-2", "HANDLERS", "log"));

        assertThat(config.toString()).doesNotContain("very-secret").contains("API_TOKEN=2 token(s) ****");
        assertThat(config.apiTokens().get(0).toString()).isEqualTo("****");
    }
}
