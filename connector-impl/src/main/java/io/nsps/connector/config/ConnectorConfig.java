package io.nsps.connector.config;

import io.nsps.connector.logging.LogFormat;
import io.nsps.connector.logging.LogLevel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The connector's own settings, immutable and valid: built only by {@link ConnectorConfigLoader}.
 * {@code eventsPath} is empty when {@code EVENTS_PATH} is unset: then a POST on any path but
 * {@code /health} is an event (the URL is whatever the operator typed into NSPS).
 * Handlers' settings are read by the handlers themselves, under their prefixes.
 */
public record ConnectorConfig(
        String host,
        int port,
        AuthMode authMode,
        List<Secret> apiTokens,
        Optional<JwtSettings> jwt,
        Optional<String> eventsPath,
        List<String> handlers,
        Path handlersDir,
        long maxBodyBytes,
        LogLevel logLevel,
        LogFormat logFormat,
        Duration shutdownGrace,
        int workerThreads,
        int runningWorkers,
        int workerQueue,
        int selectorThreads,
        int maxConcurrentEvents,
        long maxBodyBytesInFlight,
        Duration idleTimeout,
        Duration bodyReadTimeout,
        Duration headerReadTimeout,
        Duration idleMemoryReturnAfter,
        Duration healthStuckAfter,
        int upstreamRateLimitStatus,
        int managementPort,
        Optional<Secret> managementToken,
        StateSettings state,
        /* Every environment variable the loader read, for {@link MisspeltSettings}. */
        Set<String> settingsRead) {

    public enum StateStoreKind { MEMORY, POSTGRES }

    /** Where idempotency, claims and subscriber order live, and their timings. */
    public record StateSettings(StateStoreKind kind, String dbUrl, String dbUser, Secret dbPassword, String dbSchema, int dbPoolSize,
                                Duration dbTimeout, long memoryMaxEvents, Duration idempotencyTtl, Duration claimLease,
                                Duration inFlightWait, Duration subscriberLockWait, Duration maxEventTimeAhead, String instanceId,
                                Duration journalBodyRetention, int journalMemoryEntries, long journalMemoryBodyBytes) {
    }

    public enum AuthMode { STATIC, JWT }

    /** JWT verification: signature with the public key, algorithm pinned, expiry, issuer, audience. */
    public record JwtSettings(Path publicKeyFile, String publicKeyPem, JwtAlgorithm algorithm, String issuer, String audience,
                              Duration clockSkew) {
        @Override
        public String toString() {
            return "JwtSettings[publicKeyFile=" + publicKeyFile + ", algorithm=" + algorithm + ", issuer=" + issuer
                    + ", audience=" + audience + ", clockSkew=" + clockSkew + "]";
        }
    }

    public enum JwtAlgorithm { RS256, ES256 }

    public ConnectorConfig {
        Objects.requireNonNull(host, "host is null");
        apiTokens = List.copyOf(apiTokens);
        handlers = List.copyOf(handlers);
    }

    /** Every setting with its effective value, secrets masked: safe to print and log. */
    public Map<String, String> describe() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("HOST", host);
        settings.put("PORT", Integer.toString(port));
        settings.put("AUTH_MODE", authMode.name().toLowerCase(java.util.Locale.ROOT));
        settings.put("API_TOKEN", apiTokens.isEmpty() ? "(unset)" : apiTokens.size() + " token(s) ****");
        jwt.ifPresent(j -> {
            settings.put("JWT_PUBLIC_KEY", j.publicKeyFile().toString());
            settings.put("JWT_ALGORITHM", j.algorithm().name());
            settings.put("JWT_ISSUER", j.issuer());
            settings.put("JWT_AUDIENCE", j.audience());
            settings.put("JWT_CLOCK_SKEW", io.nsps.connector.spi.ConfigValues.formatDuration(j.clockSkew()));
        });
        settings.put("EVENTS_PATH", eventsPath.orElse("(unset: any path but /health)"));
        settings.put("HANDLERS", String.join(",", handlers));
        settings.put("HANDLERS_DIR", handlersDir.toString());
        settings.put("MAX_BODY_BYTES", Long.toString(maxBodyBytes));
        settings.put("LOG_LEVEL", logLevel.name().toLowerCase(java.util.Locale.ROOT));
        settings.put("LOG_FORMAT", logFormat.name().toLowerCase(java.util.Locale.ROOT));
        settings.put("SHUTDOWN_GRACE", io.nsps.connector.spi.ConfigValues.formatDuration(shutdownGrace));
        settings.put("WORKER_THREADS", Integer.toString(workerThreads));
        settings.put("RUNNING_WORKERS", Integer.toString(runningWorkers));
        settings.put("WORKER_QUEUE", Integer.toString(workerQueue));
        settings.put("SELECTOR_THREADS", Integer.toString(selectorThreads));
        settings.put("MAX_CONCURRENT_EVENTS", Integer.toString(maxConcurrentEvents));
        settings.put("MAX_BODY_BYTES_IN_FLIGHT", Long.toString(maxBodyBytesInFlight));
        settings.put("BODY_READ_TIMEOUT", io.nsps.connector.spi.ConfigValues.formatDuration(bodyReadTimeout));
        settings.put("HEADER_READ_TIMEOUT", io.nsps.connector.spi.ConfigValues.formatDuration(headerReadTimeout));
        settings.put("IDLE_TIMEOUT", io.nsps.connector.spi.ConfigValues.formatDuration(idleTimeout));
        settings.put("IDLE_MEMORY_RETURN_AFTER", io.nsps.connector.spi.ConfigValues.formatDuration(idleMemoryReturnAfter));
        settings.put("UPSTREAM_RATE_LIMIT_STATUS", Integer.toString(upstreamRateLimitStatus));
        settings.put("MANAGEMENT_PORT", managementPort == 0 ? "0 (off)" : Integer.toString(managementPort));
        settings.put("MANAGEMENT_TOKEN", managementToken.map(Secret::toString).orElse("(unset: no journal or replay over the management port)"));
        settings.put("HEALTH_STUCK_AFTER", io.nsps.connector.spi.ConfigValues.formatDuration(healthStuckAfter));
        settings.put("STATE_STORE", state.kind().name().toLowerCase(java.util.Locale.ROOT));
        if (state.kind() == StateStoreKind.POSTGRES) {
            settings.put("STATE_DB_URL", state.dbUrl());
            settings.put("STATE_DB_USER", state.dbUser());
            settings.put("STATE_DB_PASSWORD", state.dbPassword() == null ? "(unset)" : "****");
            settings.put("STATE_DB_SCHEMA", state.dbSchema());
            settings.put("STATE_DB_POOL_SIZE", Integer.toString(state.dbPoolSize()));
            settings.put("STATE_DB_TIMEOUT", io.nsps.connector.spi.ConfigValues.formatDuration(state.dbTimeout()));
        } else {
            settings.put("STATE_MEMORY_MAX_EVENTS", Long.toString(state.memoryMaxEvents()));
            settings.put("JOURNAL_MEMORY_MAX_ENTRIES", Integer.toString(state.journalMemoryEntries()));
            settings.put("JOURNAL_MEMORY_MAX_BODY_BYTES", Long.toString(state.journalMemoryBodyBytes()));
        }
        settings.put("IDEMPOTENCY_TTL", io.nsps.connector.spi.ConfigValues.formatDuration(state.idempotencyTtl()));
        settings.put("JOURNAL_BODY_RETENTION", io.nsps.connector.spi.ConfigValues.formatDuration(state.journalBodyRetention()));
        settings.put("CLAIM_LEASE", io.nsps.connector.spi.ConfigValues.formatDuration(state.claimLease()));
        settings.put("INFLIGHT_WAIT", io.nsps.connector.spi.ConfigValues.formatDuration(state.inFlightWait()));
        settings.put("SUBSCRIBER_LOCK_WAIT", io.nsps.connector.spi.ConfigValues.formatDuration(state.subscriberLockWait()));
        settings.put("EVENT_TIME_MAX_AHEAD", io.nsps.connector.spi.ConfigValues.formatDuration(state.maxEventTimeAhead()));
        settings.put("INSTANCE_ID", state.instanceId());
        return settings;
    }

    @Override
    public String toString() {
        return "ConnectorConfig" + describe();
    }
}
