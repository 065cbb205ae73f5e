package io.nsps.connector.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nsps.connector.parsing.OpenApiDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * An in-process HLR/HSS for the demo and the end-to-end tests: a real HTTP server implementing
 * {@code POST <base>/prov} of {@code openapi/hlr-hss.json} (requests are validated against that
 * schema), demanding its own Bearer token, keeping subscribers in memory, and showing them at
 * {@code GET <base>/subscribers/{imsi}} and {@code GET <base>/subscribers}.
 *
 * <p>Semantics: {@code insert} creates (409 if present); {@code update} writes the full state
 * (creating the subscriber if absent); {@code delete} removes (404 if absent); the other actions
 * are answered {@code result: false}.
 */
public final class HlrSimulator implements AutoCloseable {

    public static final String BASE_PATH = "/wtl/hlr/v1";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] expectedAuthorization;
    private final JsonSchema requestSchema = OpenApiDocument.componentSchema("openapi/hlr-hss.json", "ProvisioningRequest");
    private final Map<String, ObjectNode> subscribers = new ConcurrentHashMap<>();

    private HlrSimulator(HttpServer server, String token) {
        this.server = server;
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "hlr-simulator");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext(BASE_PATH + "/prov", this::provision);
        server.createContext(BASE_PATH + "/subscribers", this::subscribers);
        server.createContext("/", exchange -> answer(exchange, 404, Map.of("result", false, "error", "not found")));
    }

    /** Starts on 127.0.0.1 and the given port (0: any free one). */
    public static HlrSimulator start(int port, String token) throws IOException {
        HlrSimulator simulator = new HlrSimulator(HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0), token);
        simulator.server.start();
        return simulator;
    }

    /** The base URL to give the handler as HLR_API_URL. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + BASE_PATH);
    }

    /** The subscriber's state, or null. */
    public JsonNode subscriber(String imsi) {
        ObjectNode subscriber = subscribers.get(imsi);
        return subscriber == null ? null : subscriber.deepCopy();
    }

    public Set<String> imsis() {
        return Set.copyOf(subscribers.keySet());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void provision(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                answer(exchange, 401, Map.of("result", false, "error", "invalid or missing credentials"));
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                answer(exchange, 405, Map.of("result", false, "error", "POST only"));
                return;
            }
            JsonNode request;
            try (InputStream in = exchange.getRequestBody()) {
                request = JSON.readTree(in.readNBytes(MAX_BODY));
            } catch (IOException e) {
                answer(exchange, 400, Map.of("result", false, "error", "body is not JSON"));
                return;
            }
            Set<ValidationMessage> problems = request == null ? Set.of() : requestSchema.validate(request);
            if (request == null || !problems.isEmpty()) {
                answer(exchange, 400, Map.of("result", false, "error", request == null ? "empty body"
                        : problems.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; "))));
                return;
            }
            String imsi = request.path("imsi").asText();
            String action = request.path("action").asText();
            switch (action) {
                case "insert" -> {
                    ObjectNode state = state(request);
                    if (subscribers.putIfAbsent(imsi, state) != null) {
                        answer(exchange, 409, Map.of("result", false, "error", "subscriber " + imsi + " already exists"));
                        return;
                    }
                    answer(exchange, 200, Map.of("result", true, "message", "subscriber " + imsi + " inserted"));
                }
                case "update" -> {
                    subscribers.put(imsi, state(request));
                    answer(exchange, 200, Map.of("result", true, "message", "subscriber " + imsi + " updated"));
                }
                case "delete" -> {
                    if (subscribers.remove(imsi) == null) {
                        answer(exchange, 404, Map.of("result", false, "error", "subscriber " + imsi + " does not exist"));
                        return;
                    }
                    answer(exchange, 200, Map.of("result", true, "message", "subscriber " + imsi + " deleted"));
                }
                default -> answer(exchange, 200, Map.of("result", false, "error", "action " + action + " is not supported here"));
            }
        }
    }

    private void subscribers(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                answer(exchange, 401, Map.of("result", false, "error", "invalid or missing credentials"));
                return;
            }
            String rest = exchange.getRequestURI().getPath().substring((BASE_PATH + "/subscribers").length());
            if (rest.isEmpty() || rest.equals("/")) {
                answer(exchange, 200, new TreeMap<>(subscribers));
                return;
            }
            ObjectNode subscriber = subscribers.get(rest.substring(1));
            if (subscriber == null) {
                answer(exchange, 404, Map.of("result", false, "error", "no subscriber " + rest.substring(1)));
                return;
            }
            answer(exchange, 200, subscriber);
        }
    }

    private static ObjectNode state(JsonNode request) {
        ObjectNode state = ((ObjectNode) request).deepCopy();
        state.remove("action");
        return state;
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), expectedAuthorization);
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(json);
        }
    }
}
