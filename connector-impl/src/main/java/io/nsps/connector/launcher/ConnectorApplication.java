package io.nsps.connector.launcher;

import io.nsps.connector.config.ConfigurationException;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.config.ConnectorConfigLoader;
import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.config.MisspeltSettings;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.HandlerRegistry;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.server.ConnectorServer;
import io.nsps.connector.logging.LoggingSetup;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.state.postgres.PostgresStateStore;
import io.nsps.connector.processing.ProcessingSettings;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StateStoreHealth;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        Set<String> settingsRead = new HashSet<>();
        try {
            config = ConnectorConfigLoader.load(env);
            settingsRead.addAll(config.settingsRead());
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
            settingsRead.addAll(e.settingsRead());
        }
        if (config != null) {
            LoggingSetup.configure(config.logFormat(), config.logLevel());
        }

        List<RegisteredHandler> handlers = List.of();
        Path handlersDir = config != null ? config.handlersDir() : ConnectorConfigLoader.handlersDir(env);
        List<String> enabled = config != null ? config.handlers()
                : new EnvironmentReader(env, new ArrayList<>()).list("HANDLERS", List.of());
        ConnectorMetrics metrics = new ConnectorMetrics();
        HandlerRegistry registry = null;
        try {
            registry = HandlerRegistry.discover(handlersDir);
            LOG.info(registry.folderSummary());
            handlers = registry.create(enabled, env, Clock.systemUTC(), metrics);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        if (registry != null) {
            for (String name : enabled) {
                settingsRead.addAll(registry.settingsRead(name).keySet());
            }
        }
        problems.addAll(MisspeltSettings.in(env, settingsRead));
        if (!problems.isEmpty()) {
            handlers.forEach(RegisteredHandler::close);
            if (registry != null) {
                registry.close();
            }
            throw new ConfigurationException(problems);
        }
        HandlerRegistry handlerJars = registry;
        LOG.info("Configuration: {}", config.describe());
        EventDispatcher dispatcher = new EventDispatcher(handlers);
        List<RegisteredHandler> enabledHandlers = handlers;
        metrics.eventTypesTaken(type -> enabledHandlers.stream().anyMatch(handler -> handler.takes(type)));
        StateStore store;
        try {
            store = openStore(config.state(), metrics);
        } catch (RuntimeException e) {
            dispatcher.close();
            handlerJars.close();
            // Not a configuration error (exit 2): a database down at boot must let a supervisor start
            // the connector again (exit 1), as a port in use does.
            throw new IOException("the state store cannot be opened: " + SecretMasker.mask(String.valueOf(e.getMessage())), e);
        }
        ConnectorConfig.StateSettings state = config.state();
        EventProcessor processor = new EventProcessor(store, dispatcher,
                new ProcessingSettings(state.instanceId(), state.claimLease(), state.inFlightWait(), state.subscriberLockWait(),
                        state.idempotencyTtl(), state.maxEventTimeAhead()), ConnectorServer.WAITING, Clock.systemUTC());
        ScheduledExecutorService purge = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "nsps-state-upkeep");
            thread.setDaemon(true);
            return thread;
        });
        purge.scheduleWithFixedDelay(() -> purgeExpired(store, state), 1, 60, TimeUnit.MINUTES);
        // Bodies carry subscriber data: dropped within half their retention of its end (never
        // replayed after it in any case: Operations checks their age).
        long bodyPurgeMillis = bodyPurgePeriod(state.journalBodyRetention()).toMillis();
        purge.scheduleWithFixedDelay(() -> purgeBodies(store, state), state.journalBodyRetention().isZero() ? 0 : bodyPurgeMillis,
                bodyPurgeMillis, TimeUnit.MILLISECONDS);
        StateStoreHealth storeHealth = state.kind() == ConnectorConfig.StateStoreKind.POSTGRES
                ? StateStoreHealth.watch(store, purge) : StateStoreHealth.always();
        AutoCloseable resources = () -> {
            purge.shutdownNow();
            dispatcher.close();
            handlerJars.close();
            store.close();
        };
        try {
            return ConnectorServer.start(config, processor, store, storeHealth, resources, metrics);
        } catch (IOException | RuntimeException e) {
            try {
                resources.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static StateStore openStore(ConnectorConfig.StateSettings state, ConnectorMetrics metrics) {
        if (state.kind() == ConnectorConfig.StateStoreKind.POSTGRES) {
            return PostgresStateStore.open(state.dbUrl(), state.dbUser(), state.dbPassword() == null ? null : state.dbPassword().reveal(),
                    state.dbSchema(), state.dbPoolSize(), state.dbTimeout(), metrics.registry());
        }
        // No bodies are kept without a retention: no ring for them.
        return new MemoryStateStore(state.memoryMaxEvents(), state.idempotencyTtl(), Clock.systemUTC(), state.journalMemoryEntries(),
                state.journalBodyRetention().isZero() ? 0 : state.journalMemoryBodyBytes());
    }

    /**
     * How often the bodies past JOURNAL_BODY_RETENTION are dropped: every half retention, within
     * 5 s and an hour. Without retention none is kept any more: those of an earlier setting are
     * dropped at start, then hourly.
     */
    static Duration bodyPurgePeriod(Duration retention) {
        if (retention.isZero()) {
            return Duration.ofHours(1);
        }
        Duration half = retention.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : half.compareTo(Duration.ofHours(1)) > 0
                ? Duration.ofHours(1) : half;
    }

    private static void purgeExpired(StateStore store, ConnectorConfig.StateSettings state) {
        try {
            store.purgeFinishedBefore(Instant.now().minus(state.idempotencyTtl()));
        } catch (RuntimeException e) {
            LOG.warn("Purging expired events failed; will try again", e);
        }
    }

    private static void purgeBodies(StateStore store, ConnectorConfig.StateSettings state) {
        try {
            store.purgeJournalBodiesBefore(Instant.now().minus(state.journalBodyRetention()));
        } catch (RuntimeException e) {
            LOG.warn("Purging the journal's expired bodies failed; will try again", e);
        }
    }
}
