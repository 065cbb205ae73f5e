package io.nsps.connector.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.web.Answers;
import io.nsps.connector.web.RequestTracing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port ({@code MANAGEMENT_PORT}, same {@code HOST}): {@code GET} (and {@code HEAD})
 * {@code /metrics} (the Prometheus exposition) and {@code /health} (the events port's answer)
 * without any token, so that scrapes and probes never hold the NSPS token; {@code GET /journal} and
 * {@code POST /replay} for the operator's commands ({@link Operations}), with
 * {@code MANAGEMENT_TOKEN} as Bearer token (refused when it is unset). Plain Grizzly, no Jersey: a
 * few fixed routes.
 *
 * <p>Held to the events port's rules: the same strict codec ({@link StrictHttpCodecFilter}: every
 * malformed request a JSON 400 at once), the same header limits, idle and read timeouts, every
 * answer JSON ({@link Answers#errorJson}, and Grizzly's own pages too). Scrapes and probes are
 * served by two threads of their own, so they answer while every worker of the events port is busy;
 * an operation runs on one of {@link #OPERATION_THREADS} other threads (its body read there, within
 * {@code BODY_READ_TIMEOUT} and {@link #MAX_BODY_BYTES}), so slow operations and slow bodies cannot
 * starve them either.
 */
final class ManagementServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    /** Prometheus's text format, version 0.0.4. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** Largest operation body: a replay request is a list of event ids. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Operations running at once; more wait in a queue of {@link #OPERATION_QUEUE}, beyond it 503. */
    static final int OPERATION_THREADS = 2;
    static final int OPERATION_QUEUE = 16;
    private static final String JSON = "application/json";
    /** The access lines' {@code outcome} on this port: an operator's request, answered with its status. */
    static final String OPERATION_OUTCOME = "operator_request";

    private final HttpServer server;
    private final ThreadPoolExecutor operationThreads;

    private ManagementServer(HttpServer server, ThreadPoolExecutor operationThreads) {
        this.server = server;
        this.operationThreads = operationThreads;
    }

    /**
     * @param health the events port's health answer: its status and JSON body
     */
    static ManagementServer start(ConnectorConfig config, ConnectorMetrics metrics, Supplier<HealthAnswer> health, Operations operations,
                                  ObjectMapper mapper) throws IOException {
        HttpServer server = new HttpServer();
        NetworkListener listener = new NetworkListener("management", config.host(), config.managementPort());
        listener.getTransport().setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig().setPoolName("nsps-management")
                .setCorePoolSize(2).setMaxPoolSize(2).setQueueLimit(64));
        listener.getTransport().setSelectorRunnersCount(1);
        // A body that stops arriving fails its read within BODY_READ_TIMEOUT (and Operations' deadline bounds a dribble).
        listener.getTransport().setReadTimeout(config.bodyReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
        listener.setMaxHttpHeaderSize(ConnectorServer.MAX_HEADER_BYTES);
        listener.setMaxRequestHeaders(ConnectorServer.MAX_HEADERS);
        listener.getKeepAlive().setIdleTimeoutInSeconds((int) Math.max(1, config.idleTimeout().toSeconds()));
        listener.registerAddOn(GrizzlyCustomizations.codecAddOn(mapper, config.headerReadTimeout(), config.bodyReadTimeout(), null));
        listener.setDefaultErrorPageGenerator(GrizzlyCustomizations.managementErrorPages(mapper));
        server.addListener(listener);
        server.getServerConfiguration().setJmxEnabled(false);
        // Otherwise Grizzly answers a TRACE itself, with an empty 405: passed on, it is refused in JSON, as any method a path does not answer.
        server.getServerConfiguration().setPassTraceRequest(true);
        server.getServerConfiguration().setDefaultErrorPageGenerator(GrizzlyCustomizations.managementErrorPages(mapper));
        ThreadPoolExecutor operationThreads = new ThreadPoolExecutor(OPERATION_THREADS, OPERATION_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(OPERATION_QUEUE), runnable -> {
                    Thread thread = new Thread(runnable, "nsps-management-operation");
                    thread.setDaemon(true);
                    return thread;
                });
        operationThreads.allowCoreThreadTimeOut(true);
        server.getServerConfiguration().addHttpHandler(new Routes(metrics, health, operations, config, mapper, operationThreads));
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            // A listener that could not bind leaves the server's own threads running: stop them too.
            server.shutdownNow();
            operationThreads.shutdownNow();
            throw e;
        }
        return new ManagementServer(server, operationThreads);
    }

    /** The health check's answer as the management port gives it. */
    record HealthAnswer(int status, String json) {
    }

    int port() {
        return server.getListener("management").getPort();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    @Override
    public void close() {
        server.shutdownNow();
        operationThreads.shutdownNow();
    }

    /** The routes, on the management port's two threads; operations handed to their own. */
    private static final class Routes extends HttpHandler {
        private final ConnectorMetrics metrics;
        private final Supplier<HealthAnswer> health;
        private final Operations operations;
        private final ConnectorConfig config;
        private final ObjectMapper mapper;
        private final ThreadPoolExecutor operationThreads;

        Routes(ConnectorMetrics metrics, Supplier<HealthAnswer> health, Operations operations, ConnectorConfig config, ObjectMapper mapper,
               ThreadPoolExecutor operationThreads) {
            this.metrics = metrics;
            this.health = health;
            this.operations = operations;
            this.config = config;
            this.mapper = mapper;
            this.operationThreads = operationThreads;
        }

        @Override
        public void service(Request request, Response response) throws IOException {
            String path = request.getRequestURI();
            String method = request.getMethod().getMethodString();
            if (!"/metrics".equals(path) && !"/health".equals(path)) {
                traced(request, response);
            }
            switch (path) {
                case "/metrics", "/health" -> probe(request, response, path, method);
                case "/journal" -> operation(request, response, "GET", false);
                case "/replay" -> operation(request, response, "POST", true);
                default -> error(response, 404, "Resource not found", "/metrics, /health, /journal and /replay are here");
            }
        }

        /**
         * Every request but a scrape or a probe (those come every few seconds and would drown the
         * rest) gets its ids on the answer, as on the events port, and an access line when answered
         * ({@code outcome} {@value #OPERATION_OUTCOME}), refused attempts included.
         */
        private static void traced(Request request, Response response) {
            long started = System.nanoTime();
            String requestId = RequestTracing.idFrom(request.getHeader(RequestTracing.TRACE_HEADER));
            String uniqueId = RequestTracing.idFrom(request.getHeader(RequestTracing.REQUEST_ID_HEADER));
            response.setHeader(RequestTracing.TRACE_HEADER, requestId);
            response.setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
            String method = request.getMethod().getMethodString();
            // The path alone: a journal query names subscribers.
            String path = request.getRequestURI();
            request.addAfterServiceListener(served -> RequestTracing.writeAccessLine(null, method, path, response.getStatus(),
                    (System.nanoTime() - started) / 1e6, requestId, uniqueId, OPERATION_OUTCOME));
        }

        private void probe(Request request, Response response, String path, String method) throws IOException {
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                response.setHeader("Allow", "GET, HEAD");
                error(response, 405, "Method not allowed", path + " answers GET and HEAD");
                return;
            }
            if ("/metrics".equals(path)) {
                answer(response, 200, PROMETHEUS_TEXT, metrics.scrape(), head);
            } else {
                HealthAnswer answer = health.get();
                answer(response, answer.status(), JSON, answer.json(), head);
            }
        }

        /**
         * Authenticated, then handed to an operation thread with the request suspended: the body
         * (if any) is read there, so a slow one holds no thread scrapes need.
         */
        private void operation(Request request, Response response, String allowed, boolean withBody) throws IOException {
            if (config.managementToken().isEmpty()) {
                error(response, 403, "The journal and replay are off", "Set MANAGEMENT_TOKEN to use the journal and replay");
                return;
            }
            String authorization = request.getHeader("Authorization");
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    || !MessageDigest.isEqual(authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                            config.managementToken().get().reveal().getBytes(StandardCharsets.UTF_8))) {
                response.setHeader("WWW-Authenticate", "Bearer");
                error(response, 401, authorization == null ? "The instance's MANAGEMENT_TOKEN is required as Bearer token"
                        : "The Bearer token is not the instance's MANAGEMENT_TOKEN", "Unauthorized");
                return;
            }
            String method = request.getMethod().getMethodString();
            if (!allowed.equals(method)) {
                response.setHeader("Allow", allowed);
                error(response, 405, "Method not allowed", request.getRequestURI() + " answers " + allowed);
                return;
            }
            if (withBody) {
                String refusal = bodyRefusal(request);
                if (refusal != null) {
                    int status = refusal.startsWith("Content-Type") ? 415 : 413;
                    response.setHeader("Connection", "close");
                    error(response, status, status == 415 ? "Unsupported media type" : "Request body too large", refusal);
                    return;
                }
            }
            response.suspend();
            try {
                operationThreads.execute(() -> run(request, response, withBody));
            } catch (RejectedExecutionException e) {
                try {
                    response.setHeader("Retry-After", Answers.CAPACITY_RETRY_AFTER);
                    error(response, 503, "Too many operations at once; retry later", OPERATION_THREADS + " run and "
                            + OPERATION_QUEUE + " wait already");
                } finally {
                    response.resume();
                }
            }
        }

        /** Why a body is refused from the head alone: not JSON, or declared over the bound. */
        private static String bodyRefusal(Request request) {
            String contentType = request.getContentType();
            String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!JSON.equals(mediaType)) {
                return "Content-Type must be application/json";
            }
            long declared = request.getContentLengthLong();
            if (declared > MAX_BODY_BYTES) {
                return "The body is larger than " + MAX_BODY_BYTES + " bytes";
            }
            return null;
        }

        private void run(Request request, Response response, boolean withBody) {
            try {
                String json;
                if (withBody) {
                    json = mapper.writeValueAsString(operations.replay(readBody(request)));
                } else {
                    // Decoded by Operations, strictly (Grizzly's parameters drop what they cannot decode).
                    json = mapper.writeValueAsString(operations.journal(request.getQueryString()));
                }
                answer(response, 200, JSON, json, false);
            } catch (Operations.Refused e) {
                writeError(response, e.status(), e.getMessage(), e.error());
            } catch (StateStoreException e) {
                // The database is down or stalled, as the events path answers it: worth retrying, not a bug.
                LOG.warn("The management operation {} found the state store unavailable: {}", request.getRequestURI(), e.getMessage());
                writeError(response, 503, "The state store is unavailable; retry when it answers again (GET /health says when)",
                        "state store unavailable");
            } catch (RuntimeException | IOException e) {
                String correlationId = RequestTracing.newId();
                LOG.error("The management operation {} failed, correlation id {}", request.getRequestURI(), correlationId, e);
                writeError(response, 500, "Internal error; quote correlation id " + correlationId + " to the connector's operators",
                        "The operation failed; see the connector's log");
            } finally {
                response.resume();
            }
        }

        /** The whole body, within MAX_BODY_BYTES and BODY_READ_TIMEOUT. */
        private byte[] readBody(Request request) {
            Duration bound = config.bodyReadTimeout();
            long deadline = System.nanoTime() + bound.toNanos();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            try {
                InputStream in = request.getInputStream();
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    body.write(chunk, 0, n);
                    if (body.size() > MAX_BODY_BYTES) {
                        throw new Operations.Refused(413, "Request body too large", "The body is larger than " + MAX_BODY_BYTES + " bytes");
                    }
                    if (System.nanoTime() > deadline) {
                        throw tooSlow(bound);
                    }
                }
            } catch (IOException e) {
                // A body that stopped arriving, a connection gone, broken chunked framing: the sender's doing.
                throw new Operations.Refused(400, "Malformed request body", "The request body could not be read completely (within "
                        + bound.toMillis() + " ms)");
            }
            return body.toByteArray();
        }

        private static Operations.Refused tooSlow(Duration bound) {
            return new Operations.Refused(400, "Malformed request body", "The request body arrived too slowly (more than "
                    + bound.toMillis() + " ms)");
        }

        private void writeError(Response response, int status, String message, String error) {
            try {
                if (status == 400 || status == 413) {
                    // The rest of a refused body is not read: the connection cannot carry another request.
                    response.setHeader("Connection", "close");
                }
                error(response, status, message, error);
            } catch (IOException e) {
                LOG.debug("The management port's answer could not be written", e);
            }
        }

        private void error(Response response, int status, String message, String error) throws IOException {
            answer(response, status, JSON, new String(Answers.errorJson(mapper, status, message, error), StandardCharsets.UTF_8), false);
        }
    }

    private static void answer(Response response, int status, String contentType, String body, boolean headOnly) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        if (!headOnly) {
            response.getOutputStream().write(bytes);
        }
    }
}
