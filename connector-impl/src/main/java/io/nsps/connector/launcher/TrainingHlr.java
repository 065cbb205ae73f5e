package io.nsps.connector.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * An HLR that accepts every provisioning call ({@code 200 {"result":true}}), on a loopback port,
 * for the training run only: the hlr-hss handler's path (its HTTP client, JSON, credentials) is then
 * part of what the class-data archive records, so that a connector configured with it starts as
 * fast as one with the log handler.
 */
final class TrainingHlr implements AutoCloseable {

    private static final byte[] ACCEPTED = "{\"result\":true}".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final java.util.concurrent.atomic.AtomicInteger calls;

    private TrainingHlr(HttpServer server, java.util.concurrent.atomic.AtomicInteger calls) {
        this.server = server;
        this.calls = calls;
    }

    static TrainingHlr start() throws IOException {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer server = new HttpServer();
        server.addListener(new NetworkListener("training-hlr", "127.0.0.1", 0));
        server.getServerConfiguration().setJmxEnabled(false);
        server.getServerConfiguration().addHttpHandler(new HttpHandler() {
            @Override
            public void service(Request request, Response response) throws IOException {
                request.getInputStream().readAllBytes();
                calls.incrementAndGet();
                response.setContentType("application/json");
                response.setContentLength(ACCEPTED.length);
                response.getOutputStream().write(ACCEPTED);
            }
        });
        server.start();
        return new TrainingHlr(server, calls);
    }

    /** The base URL to give the hlr-hss handler ({@code HLR_API_URL}). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getListener("training-hlr").getPort() + "/hlr";
    }

    /** The provisioning calls it answered. */
    int calls() {
        return calls.get();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
