package ${package};

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The CRM of src/main/openapi/crm-api.yaml, as a real HTTP server on a free loopback port: it
 * demands its token, records every request, and answers as the document says (or with the status a
 * test sets).
 */
final class FakeCrm implements AutoCloseable {

    static final String TOKEN = "crm-token-5f2b8e61c0d94a7e";

    /** One request as the CRM received it. */
    record Received(String method, String path, String authorization, String body) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int nextStatus;

    FakeCrm() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    /** The API's base URL, as the handler's URL setting takes it. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1";
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** The next request is answered with this status (and a JSON error). */
    void answerNext(int status) {
        nextStatus = status;
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), authorization, body));
        int status = nextStatus;
        nextStatus = 0;
        if (!("Bearer " + TOKEN).equals(authorization)) {
            status = 401;
        }
        if (status != 0) {
            reply(exchange, status, "{\"error\":\"refused by the fake CRM\"}");
        } else if (exchange.getRequestMethod().equals("PUT")) {
            reply(exchange, 200, body);
        } else {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
