package io.nsps.connector.server;

import io.nsps.connector.metrics.ConnectorMetrics;
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
 * that scrapes and probes never hold the NSPS token. It has threads of its own (two), so it answers
 * while every worker of the events port is busy. Plain Grizzly, no Jersey: a few fixed routes.
 */
final class ManagementServer implements AutoCloseable {

    /** Prometheus's text format, version 0.0.4. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private ManagementServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param health the events port's health answer: its status and JSON body
     */
    static ManagementServer start(String host, int port, ConnectorMetrics metrics, Supplier<HealthAnswer> health) throws IOException {
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
                if (!"GET".equals(request.getMethod().getMethodString())) {
                    answer(response, 405, "application/json", "{\"message\":\"GET only\"}");
                } else if ("/metrics".equals(path)) {
                    answer(response, 200, PROMETHEUS_TEXT, metrics.scrape());
                } else if ("/health".equals(path)) {
                    HealthAnswer answer = health.get();
                    answer(response, answer.status(), "application/json", answer.json());
                } else {
                    answer(response, 404, "application/json", "{\"message\":\"Not found: /metrics and /health are here\"}");
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
