package io.nsps.connector.testing;

import io.nsps.connector.server.ConnectorServer;
import io.nsps.connector.launcher.ConnectorApplication;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real connector (Grizzly on a free loopback port) for a test class, and an HTTP client whose
 * every answer is validated against the OpenAPI document before the test sees it.
 */
public final class RunningConnector implements AutoCloseable {

    /** The token every test connector takes; a secret of the suite (TestSecrets). */
    public static final String TOKEN = TestSecrets.remember("test-token-8f14e45fceea167a5a36dedd4bea2543");

    private final ConnectorServer server;
    private final String eventsPath;
    /** Names the test client's own threads, so that a test counting the connector's threads can leave them out. */
    public static final String CLIENT_THREAD_PREFIX = "test-client-";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newCachedThreadPool(new ThreadFactory() {
                private final AtomicInteger count = new AtomicInteger();

                @Override
                public Thread newThread(Runnable task) {
                    Thread thread = new Thread(task, CLIENT_THREAD_PREFIX + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }
            }))
            .build();

    private RunningConnector(ConnectorServer server, String eventsPath) {
        this.server = server;
        this.eventsPath = eventsPath;
    }

    /** Starts with the test defaults (token, probe and log handlers) overridden by {@code settings}. */
    public static RunningConnector start(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>();
        env.put("API_TOKEN", TOKEN);
        env.put("HANDLERS", "log,probe");
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("MANAGEMENT_PORT", "0");
        env.put("LOG_HANDLER_EVENT_TYPES", "SIM/*");
        env.put("HANDLERS_DIR", "target/no-handlers-dir");
        env.putAll(settings);
        try {
            // Before, for the start-up lines; again after, in case the start reconfigured logging.
            LogCapture.attach();
            ConnectorServer server = ConnectorApplication.start(env);
            LogCapture.attach();
            return new RunningConnector(server, server.eventsUri().getPath());
        } catch (Exception e) {
            throw new IllegalStateException("connector did not start: " + e.getMessage(), e);
        }
    }

    public static RunningConnector start() {
        return start(Map.of());
    }

    public ConnectorServer server() {
        return server;
    }

    public URI uri(String path) {
        return server.baseUri().resolve(path);
    }

    public String eventsPath() {
        return eventsPath;
    }

    /** POSTs an event body with the valid token. */
    public HttpAnswer postEvent(String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(eventsPath))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .headers(headers.length == 0 ? new String[] {"Accept", "application/json"} : headers)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpAnswer get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request);
    }

    /** Sends and validates the answer against the contract; the operation is inferred from path and method. */
    public HttpAnswer send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            String path = built.uri().getRawPath(); // as the routes match it: /%68ealth is not /health
            boolean event = built.method().equals("POST") && (path.equals(eventsPath) || server.takesEventsOnAnyPath() && !path.equals("/health"));
            String operation = event ? "/process-event" : path.equals("/health") && built.method().equals("GET") ? "/health" : null;
            ContractValidator.validate(operation, built.method(), response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body());
            return new HttpAnswer(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpClient client() {
        return client;
    }

    /** A sample event shipped in api-spec ({@code examples/events/<name>}). */
    public static String sample(String name) {
        try (InputStream in = RunningConnector.class.getClassLoader().getResourceAsStream("examples/events/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample event " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A minimal valid event of the given type whose probe behaviour is chosen. */
    public static String probeEvent(String eventId, String behaviour) {
        return "{\"event_id\":\"" + eventId + "\",\"data\":{\"event_type\":\"Probe/Test\",\"variables\":{\"probe\":\"" + behaviour + "\"}}}";
    }

    @Override
    public void close() {
        server.shutdownGracefully();
    }
}
