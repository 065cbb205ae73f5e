package io.nsps.connector.server;

import io.nsps.connector.auth.BearerAuthFilter;
import io.nsps.connector.config.BuildInfo;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.state.StateStore;
import java.time.Clock;
import java.util.function.Supplier;
import io.nsps.connector.auth.JwtTokenVerifier;
import io.nsps.connector.auth.StaticTokenVerifier;
import io.nsps.connector.auth.TokenVerifier;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.web.Answers;
import io.nsps.connector.web.ConnectorLifecycle;
import io.nsps.connector.web.WebApplication;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.config.ConnectorConfigLoader;
import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.parsing.JsonMappers;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.EventResponse;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.processing.Waiting;
import io.nsps.connector.state.StateStoreHealth;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.glassfish.grizzly.http.server.ErrorPageGenerator;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.util.FastHttpDateFormat;
import org.glassfish.grizzly.strategies.SameThreadIOStrategy;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Grizzly, with the Jersey application of {@link WebApplication}, the worker pool
 * ({@link WorkerPool}), Grizzly's own answers turned into JSON and its codec made strict
 * ({@link GrizzlyCustomizations}, {@link StrictHttpCodecFilter}), and a graceful shutdown.
 */
public final class ConnectorServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorServer.class);
    /** Grizzly's default header limit, restated because the answer to oversized heads depends on it. */
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_HEADERS = 100;
    /**
     * Workers ({@link WorkerPool}) end after this long without work, so the request objects each
     * keeps are let go. Shorter than IDLE_MEMORY_RETURN_AFTER's default, so the idle collection
     * finds them gone.
     */
    private static final Duration IDLE_WORKER_LIFETIME = Duration.ofSeconds(30);

    /**
     * How the connector's code tells the worker pool that it waits ({@link WorkerPool}): the one
     * seam to it, for the {@link EventProcessor}.
     */
    public static final Waiting WAITING = WorkerPool.WAITING;

    private final ConnectorConfig config;
    private final AutoCloseable resources;
    private final ConnectorLifecycle lifecycle = new ConnectorLifecycle();
    private final IdleMemoryReturn idleMemory;
    private final HttpServer server;
    private final WorkerPool workers;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ConnectorMetrics metrics;
    private final ObjectMapper mapper;
    private final Supplier<jakarta.ws.rs.core.Response> health;
    private ManagementServer management;
    private final CompletableFuture<EventParser> parser;

    private ConnectorServer(ConnectorConfig config, EventProcessor processor, StateStoreHealth storeHealth, AutoCloseable resources,
                            TokenVerifier verifier, ConnectorMetrics metrics) {
        this.config = config;
        this.resources = resources;
        this.metrics = metrics;
        this.mapper = JsonMappers.create();
        // The event schema's validators and the models' deserializers take a few hundred ms to build:
        // built (and tried on the bundled sample event) on another core while Jersey builds its
        // application, and joined before the port opens, so a broken schema still stops start-up.
        this.parser = CompletableFuture.supplyAsync(() -> new EventParser(mapper).warmedUp());
        // Not joined: it may still run when the port opens, and only takes work off the first answer.
        parser.thenRunAsync(() -> warmUpFirstAnswer(mapper));
        this.idleMemory = IdleMemoryReturn.start(config.idleMemoryReturnAfter());
        WebApplication web = WebApplication.create(config, processor, new BearerAuthFilter(verifier), mapper, lifecycle,
                storeHealth::available, idleMemory::eventArrived, parser::join, WorkerPool.WAITING, metrics);
        ResourceConfig application = web.resources();
        this.health = web.health();
        URI uri = URI.create("http://" + hostForUri(config.host()) + ":" + config.port() + "/");
        this.server = GrizzlyHttpServerFactory.createHttpServer(uri, application, false);
        this.workers = WorkerPool.create(config.workerThreads(), config.runningWorkers(), config.workerQueue(), IDLE_WORKER_LIFETIME);
        metrics.gauge("nsps_workers", "Worker threads serving requests", workers::getPoolSize);
        metrics.gauge("nsps_workers_busy", "Worker threads running a request", workers::getActiveCount);
        metrics.gauge("nsps_worker_queue", "Requests waiting for a running worker", () -> workers.getQueue().size());
        metrics.count("nsps_worker_reliefs", "Times a blocked worker gave its run slot to a waiting request", workers::reliefs);
        configureGrizzly(server, config, mapper, workers, metrics);
        try {
            parser.join();
        } catch (CompletionException e) {
            idleMemory.close();
            workers.shutdownNow();
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Does now, once, what the first answer would otherwise do on its way out, without storing or
     * logging anything: build the answers' serializers, Grizzly's {@code Date} header formatter, and
     * link the answer record's generated {@code equals} and {@code hashCode} (through invokedynamic).
     */
    private static void warmUpFirstAnswer(ObjectMapper mapper) {
        try {
            mapper.writeValueAsBytes(EventResponse.builder().message("warm-up").build());
            mapper.writeValueAsBytes(Answers.body(ErrorType.VALIDATION_ERROR, "warm-up", "warm-up"));
        } catch (JsonProcessingException e) {
            // Only a warm-up: a real answer that fails to serialize is reported where it happens.
        }
        FastHttpDateFormat.getCurrentDate();
        Outcome answer = new Outcome.Done(Outcome.Done.Result.PROCESSED, "warm-up");
        answer.hashCode();
        answer.equals(new Outcome.Done(Outcome.Done.Result.PROCESSED, "warm-up"));
    }

    /** A start that failed lets its threads go (the caller closes the handlers and the store). */
    private void abandonStart() {
        server.shutdownNow();
        workers.shutdownNow();
        idleMemory.close();
    }

    /**
     * Builds the server and starts listening.
     *
     * @param resources closed after the last request at shutdown (handlers, state store)
     */
    public static ConnectorServer start(ConnectorConfig config, EventProcessor processor, StateStore store, StateStoreHealth storeHealth,
                                        AutoCloseable resources, ConnectorMetrics metrics) throws IOException {
        TokenVerifier verifier = config.authMode() == ConnectorConfig.AuthMode.JWT
                ? new JwtTokenVerifier(config.jwt().orElseThrow())
                : new StaticTokenVerifier(config.apiTokens());
        ConnectorServer connector = new ConnectorServer(config, processor, storeHealth, resources, verifier, metrics);
        try {
            connector.server.start();
        } catch (BindException e) {
            connector.abandonStart();
            // The JDK's message ("Address already in use") does not say which.
            BindException named = new BindException(config.host() + ":" + config.port() + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
        if (config.managementPort() != 0) {
            try {
                Operations operations = new Operations(store, processor, connector.parser::join,
                        new Answers(config.upstreamRateLimitStatus()), connector.mapper, Clock.systemUTC(), metrics,
                        config.state().journalBodyRetention());
                connector.management = ManagementServer.start(config, metrics, connector::healthAnswer, operations, connector.mapper);
            } catch (IOException e) {
                connector.abandonStart();
                throw new IOException("MANAGEMENT_PORT " + config.managementPort() + " cannot be bound on " + config.host() + ": "
                        + e.getMessage() + " (set MANAGEMENT_PORT to a free port, or 0 to turn the management port off)", e);
            }
            LOG.info("Management port {}: /metrics and /health{}", connector.management.port(),
                    config.managementToken().isPresent() ? "; /journal and /replay with MANAGEMENT_TOKEN" : "");
        }
        LOG.info("Connector {} listening on {}:{}, events {} ({} ms after the JVM started)", BuildInfo.current().describe(),
                config.host(), connector.port(),
                config.eventsPath().map(path -> "at " + path + " only (EVENTS_PATH)")
                        .orElse("on any path but /health (EVENTS_PATH unset)"), ManagementFactory.getRuntimeMXBean().getUptime());
        return connector;
    }

    /** What GET /health answers, as the management port gives it. */
    private ManagementServer.HealthAnswer healthAnswer() {
        jakarta.ws.rs.core.Response answer = health.get();
        try {
            return new ManagementServer.HealthAnswer(answer.getStatus(), mapper.writeValueAsString(answer.getEntity()));
        } catch (JsonProcessingException e) {
            return new ManagementServer.HealthAnswer(500, "{\"status\":\"unknown\"}");
        }
    }

    /** The management port's base URI, when it is on. */
    public java.util.Optional<URI> managementUri() {
        return java.util.Optional.ofNullable(management).map(ManagementServer::baseUri);
    }

    /** The port actually bound (differs from the configured one when that was 0). */
    public int port() {
        return server.getListeners().iterator().next().getPort();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Where to post events: EVENTS_PATH, or the path NSPS's documents use when any path is taken. */
    public URI eventsUri() {
        return baseUri().resolve(config.eventsPath().orElse(ConnectorConfigLoader.DOCUMENTED_EVENTS_PATH));
    }

    /** Whether a POST on any path but /health is an event (EVENTS_PATH unset). */
    public boolean takesEventsOnAnyPath() {
        return config.eventsPath().isEmpty();
    }

    /**
     * Graceful stop: health turns 503 and new events are refused with 503, the listener stops
     * taking connections, requests in flight get up to {@code SHUTDOWN_GRACE} to finish, then
     * everything left is closed and the handlers are released. Requests still running then are
     * closed without an answer: NSPS retries them (a connection closed without an answer is not a
     * 2xx), and their claims are taken over once {@code CLAIM_LEASE} has passed. Calls after the
     * first wait until the first one has finished.
     */
    public void shutdownGracefully() {
        if (!lifecycle.startDraining()) {
            // A second SIGTERM (or close) does not cut the drain short: it waits for it.
            awaitStopped();
            return;
        }
        long graceMs = config.shutdownGrace().toMillis();
        LOG.info("Shutting down: finishing requests in flight for up to {} ms", graceMs);
        try {
            server.shutdown(graceMs, TimeUnit.MILLISECONDS).get(graceMs + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("Requests still in flight after the grace period were cut off");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.shutdownNow();
            if (management != null) {
                management.close();
            }
            workers.shutdownNow();
            idleMemory.close();
            try {
                resources.close();
            } catch (Exception e) {
                LOG.warn("Releasing handlers and state failed", e);
            }
        }
        LOG.info("Connector stopped; workers: {} threads at most, {} times a blocked one was relieved", workers.getLargestPoolSize(),
                workers.reliefs());
        stopped.countDown();
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdownGracefully();
    }

    private static void configureGrizzly(HttpServer server, ConnectorConfig config, ObjectMapper mapper, WorkerPool workers,
                                         ConnectorMetrics metrics) {
        ErrorPageGenerator errorPages = GrizzlyCustomizations.errorPageGenerator(mapper, new CapacityRefusals(CapacityRefusals.REPORT_PERIOD,
                metrics));
        CapacityRefusals.silenceGrizzlyRejectionWarnings();
        server.getServerConfiguration().setDefaultErrorPageGenerator(errorPages);
        server.getServerConfiguration().setJmxEnabled(false);
        for (NetworkListener listener : server.getListeners()) {
            listener.setDefaultErrorPageGenerator(errorPages);
            listener.setMaxHttpHeaderSize(MAX_HEADER_BYTES);
            listener.setMaxRequestHeaders(MAX_HEADERS);
            listener.getKeepAlive().setIdleTimeoutInSeconds((int) Math.max(1, config.idleTimeout().toSeconds()));
            listener.registerAddOn(GrizzlyCustomizations.codecAddOn(mapper, config.headerReadTimeout(), config.bodyReadTimeout(), metrics));
            // A body that stops arriving (declared length larger than what is sent, a dribble) frees its worker.
            listener.getTransport().setReadTimeout(config.bodyReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            listener.getTransport().setWorkerThreadPool(workers);
            // The selector threads read and parse each request themselves and hand only the parsed
            // request to a worker (Grizzly's default hands every read to a worker, turning the
            // connection's read interest off and on again around it: two epoll_ctl calls and a
            // selector wake-up per request): less CPU per request (docs/performance.md).
            listener.getTransport().setIOStrategy(SameThreadIOStrategy.getInstance());
            // Grizzly's default is one selector per core plus one, which then compete with the workers
            // for the cores (SELECTOR_THREADS, ConnectorConfigLoader).
            listener.getTransport().setSelectorRunnersCount(config.selectorThreads());
        }
    }

    private static String hostForUri(String host) {
        Objects.requireNonNull(host, "host is null");
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
