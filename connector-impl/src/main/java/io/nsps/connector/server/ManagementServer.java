package io.nsps.connector.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.config.Secret;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.metrics.ConnectorMetrics;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;

/**
 * The management port ({@code MANAGEMENT_PORT}, same {@code HOST}): {@code GET /metrics} (the
 * Prometheus exposition) and {@code GET /health} (the events port's answer) without any token, so
 * that scrapes and probes never hold the NSPS token; {@code GET /journal} and {@code POST /replay}
 * for the operator's commands, with {@code MANAGEMENT_TOKEN} as Bearer token (refused when it is
 * unset). It has threads of its own (two), so it answers while every worker of the events port is
 * busy. Plain Grizzly, no Jersey: a few fixed routes.
 */
final class ManagementServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    /** A text for an answer: masked, bounded. */
    private static String clean(String text) {
        String masked = SecretMasker.mask(String.valueOf(text));
        return masked.length() <= 300 ? masked : masked.substring(0, 300);
    }

    /** Prometheus's text format, version 0.0.4. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private ManagementServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param health the events port's health answer: its status and JSON body
     */
    static ManagementServer start(String host, int port, ConnectorMetrics metrics, Supplier<HealthAnswer> health, Operations operations,
                                  Optional<Secret> token, ObjectMapper mapper) throws IOException {
        HttpServer server = new HttpServer();
        NetworkListener listener = new NetworkListener("management", host, port);
        listener.getTransport().setWorkerThreadPoolConfig(ThreadPoolConfig.defaultConfig().setPoolName("nsps-management")
                .setCorePoolSize(2).setMaxPoolSize(2).setQueueLimit(64));
        listener.getTransport().setSelectorRunnersCount(1);
        server.addListener(listener);
        server.getServerConfiguration().setJmxEnabled(false);
        server.getServerConfiguration().addHttpHandler(new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws IOException {
                String path = request.getRequestURI();
                String method = request.getMethod().getMethodString();
                if ("/journal".equals(path) || "/replay".equals(path)) {
                    operation(request, response, path, method);
                } else if (!"GET".equals(method)) {
                    answer(response, 405, "application/json", "{\"message\":\"GET only\"}");
                } else if ("/metrics".equals(path)) {
                    answer(response, 200, PROMETHEUS_TEXT, metrics.scrape());
                } else if ("/health".equals(path)) {
                    HealthAnswer answer = health.get();
                    answer(response, answer.status(), "application/json", answer.json());
                } else {
                    answer(response, 404, "application/json", "{\"message\":\"Not found: /metrics, /health, /journal and /replay are here\"}");
                }
            }

            private void operation(Request request, Response response, String path, String method) throws IOException {
                if (token.isEmpty()) {
                    answer(response, 403, "application/json", "{\"message\":\"Set MANAGEMENT_TOKEN to use the journal and replay\"}");
                    return;
                }
                String authorization = request.getHeader("Authorization");
                if (authorization == null || !authorization.startsWith("Bearer ")
                        || !MessageDigest.isEqual(authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                                token.get().reveal().getBytes(StandardCharsets.UTF_8))) {
                    response.setHeader("WWW-Authenticate", "Bearer");
                    answer(response, 401, "application/json", "{\"message\":\"MANAGEMENT_TOKEN is required as Bearer token\"}");
                    return;
                }
                try {
                    if ("/journal".equals(path) && "GET".equals(method)) {
                        Map<String, String> parameters = new HashMap<>();
                        request.getParameterNames().forEach(name -> parameters.put(name, request.getParameter(name)));
                        answer(response, 200, "application/json", mapper.writeValueAsString(operations.journal(parameters)));
                    } else if ("/replay".equals(path) && "POST".equals(method)) {
                        JsonNode body = mapper.readTree(request.getInputStream());
                        answer(response, 200, "application/json", mapper.writeValueAsString(operations.replay(body == null
                                ? mapper.createObjectNode() : body)));
                    } else {
                        answer(response, 405, "application/json", "{\"message\":\"GET /journal, POST /replay\"}");
                    }
                } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
                    answer(response, 400, "application/json", mapper.writeValueAsString(Map.of("message", clean(e.getMessage()))));
                } catch (RuntimeException e) {
                    LOG.error("The management operation {} failed", path, e);
                    answer(response, 500, "application/json", "{\"message\":\"The operation failed; see the connector's log\"}");
                }
            }
        });
        server.start();
        return new ManagementServer(server);
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

    private static void answer(Response response, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
