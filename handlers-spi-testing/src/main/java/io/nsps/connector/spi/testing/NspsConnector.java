package io.nsps.connector.spi.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that runs the real connector in the test's JVM (Grizzly on a free loopback
 * port, Bearer authentication, schema validation, exactly-once, the handler registry) with the
 * handlers under test, and sends it events as NSPS does, so that a test asserts the answer NSPS
 * would get.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NspsConnector connector = NspsConnector.withHandlers("vendor-crm")
 *         .setting("VENDOR_CRM_URL", () -> crm.url());
 *
 * @Test
 * void anUpdateIsAccepted() {
 *     assertThat(connector.send(SampleEvents.json("sim-updated")).status()).isEqualTo(202);
 * }
 * }</pre>
 *
 * <p>Registered on a static field, one connector serves the whole class; on an instance field, each
 * test gets its own (and so a fresh memory of processed events). Handlers are found on the test
 * classpath (a handler project's own classes, through its {@code META-INF/services} line: loaded
 * with the test's classes, without the isolation a handler gets in production) and in the jars and
 * folders given to {@link #handlerJar} and {@link #handlerFolder} (each in a class loader of its
 * own, as in production). The connector itself (connector-impl) must be on the test classpath.
 */
public final class NspsConnector implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private final Map<String, Supplier<String>> settings = new LinkedHashMap<>();
    private final List<Path> handlerJars = new ArrayList<>();
    private final List<Path> handlerFolders = new ArrayList<>();
    private final String token = newToken();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private ConnectorRuntime.Running running;
    private Path handlersDir;
    private boolean perTest;

    private NspsConnector(List<String> handlers) {
        settings.put("HANDLERS", () -> String.join(",", handlers));
    }

    /** A connector enabling these handlers, in this order ({@code HANDLERS}). */
    public static NspsConnector withHandlers(String... handlers) {
        return new NspsConnector(List.of(handlers));
    }

    /**
     * An environment variable of the connector, e.g. {@code VENDOR_CRM_URL} (the full name, prefix
     * included). {@code API_TOKEN}, {@code HANDLERS_DIR}, {@code HOST} and {@code PORT} are the
     * extension's own ({@link #token}, {@link #handlerJar}, a free loopback port).
     */
    public NspsConnector setting(String name, String value) {
        return setting(name, () -> value);
    }

    /** The same, read when the connector starts (a fake server's URL, known only then). */
    public NspsConnector setting(String name, Supplier<String> value) {
        if (OWN_SETTINGS.contains(name)) {
            throw new IllegalArgumentException(name + " is set by NspsConnector itself");
        }
        settings.put(name, value);
        return this;
    }

    /** A handler jar to load from the connector's handlers folder, as a vendor's is in production. */
    public NspsConnector handlerJar(Path jar) {
        handlerJars.add(jar);
        return this;
    }

    /** A handler folder (its jar and its libraries, as the archetype's {@code target/handler/<name>/}) to load the same way. */
    public NspsConnector handlerFolder(Path folder) {
        handlerFolders.add(folder);
        return this;
    }

    /** The Bearer token the connector takes (generated; {@link #send} uses it). */
    public String token() {
        return token;
    }

    public URI baseUri() {
        return started().baseUri();
    }

    /** Posts an event to the events path with the token, as NSPS does. */
    public NspsAnswer send(String eventJson) {
        return post(started().eventsUri(), eventJson, "Authorization", "Bearer " + token);
    }

    /** Posts a sample event ({@link SampleEvents#json}) as it is shipped. */
    public NspsAnswer sendSample(String name) {
        return send(SampleEvents.json(name));
    }

    /** Posts any body to any path with the given headers (for the answers to what NSPS would never send). */
    public NspsAnswer post(String path, String body, String... headers) {
        return post(started().baseUri().resolve(path), body, headers);
    }

    /** {@code GET /health}'s answer. */
    public NspsAnswer health() {
        return exchange(HttpRequest.newBuilder(started().baseUri().resolve("/health")).GET());
    }

    /** Starts the connector now (the extension does it before the tests; for use without JUnit). */
    public synchronized NspsConnector start() {
        if (running != null) {
            return this;
        }
        ConnectorRuntime runtime = ServiceLoader.load(ConnectorRuntime.class).findFirst().orElseThrow(() -> new IllegalStateException(
                "the connector is not on the test classpath: add the dependency io.nsps:connector-impl with scope test"));
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("API_TOKEN", token);
        environment.put("HOST", "127.0.0.1");
        environment.put("PORT", "0");
        environment.put("MANAGEMENT_PORT", "0"); // off unless a test sets it
        environment.put("HANDLERS_DIR", handlersDir().toString());
        settings.forEach((name, value) -> environment.put(name, value.get()));
        try {
            running = runtime.start(environment);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        return this;
    }

    /** Stops the connector (the extension does it after the tests). */
    public synchronized void stop() {
        if (running != null) {
            running.close();
            running = null;
        }
        if (handlersDir != null) {
            try (Stream<Path> files = Files.walk(handlersDir)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                // a temporary folder left behind
            }
            handlersDir = null;
        }
    }

    private static final java.util.Set<String> OWN_SETTINGS = java.util.Set.of("API_TOKEN", "HANDLERS_DIR", "HOST", "PORT");

    private static String newToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        if (running == null) {
            perTest = true;
            start();
        }
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (perTest) {
            stop();
        }
    }

    private Path handlersDir() {
        try {
            handlersDir = Files.createTempDirectory("nsps-handlers");
            for (Path jar : handlerJars) {
                Files.copy(jar, handlersDir.resolve(jar.getFileName()));
            }
            for (Path folder : handlerFolders) {
                Path copy = Files.createDirectories(handlersDir.resolve(folder.getFileName()));
                try (Stream<Path> jars = Files.list(folder)) {
                    for (Path jar : jars.filter(Files::isRegularFile).toList()) {
                        Files.copy(jar, copy.resolve(jar.getFileName()));
                    }
                }
            }
            return handlersDir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized ConnectorRuntime.Running started() {
        if (running == null) {
            throw new IllegalStateException("the connector is not started: register NspsConnector with @RegisterExtension, or call start()");
        }
        return running;
    }

    private NspsAnswer post(URI uri, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return exchange(request);
    }

    private NspsAnswer exchange(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new NspsAnswer(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
