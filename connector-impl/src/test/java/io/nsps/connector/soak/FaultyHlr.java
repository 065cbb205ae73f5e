package io.nsps.connector.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The soak's upstream: an HLR that, at random, answers too late (without applying: the caller gave
 * up), answers 500 or 429 (without applying), or applies the update and answers 200. It records,
 * per IMSI, the sequence numbers it applied (carried as {@code cs_profile = seq-<n>}).
 */
final class FaultyHlr implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Random random = new Random(7);
    private final double faultRate;
    private final long lateMillis;
    final Map<String, List<Long>> applied = new ConcurrentHashMap<>();

    FaultyHlr(double faultRate, long lateMillis) throws IOException {
        this.faultRate = faultRate;
        this.lateMillis = lateMillis;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(32));
        server.createContext("/hlr/prov", this::provision);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hlr";
    }

    private void provision(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            double dice;
            synchronized (random) {
                dice = random.nextDouble();
            }
            if (dice < faultRate / 3) {
                sleep(lateMillis);
                answer(exchange, 200, "{\"result\":true}");
                return;
            }
            if (dice < 2 * faultRate / 3) {
                answer(exchange, 500, "{\"result\":false,\"error\":\"injected\"}");
                return;
            }
            if (dice < faultRate) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                answer(exchange, 429, "{\"result\":false,\"error\":\"slow down\"}");
                return;
            }
            String imsi = request.path("imsi").asText();
            long seq = Long.parseLong(request.path("cs_profile").asText().substring("seq-".length()));
            applied.computeIfAbsent(imsi, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(seq);
            answer(exchange, 200, "{\"result\":true}");
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
