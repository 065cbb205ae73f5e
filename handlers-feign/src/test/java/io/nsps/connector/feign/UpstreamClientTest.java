package io.nsps.connector.feign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import feign.Headers;
import feign.Param;
import feign.RequestLine;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import io.nsps.connector.spi.testing.TestClock;
import io.nsps.connector.spi.testing.TestCredentials;
import io.nsps.connector.spi.testing.TestHandlerContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client every handler on a generated Feign interface uses, against a real HTTP server: what
 * is sent (credentials, tracing headers), what is re-sent (once, after a 401/403 with fresh
 * credentials, nothing else), and how every answer becomes the SPI's failure.
 */
final class UpstreamClientTest {

    /** What a generated interface looks like (openapi-generator's feign library). */
    interface LinesApi {
        @RequestLine("PUT /lines/{imsi}")
        @Headers("Content-Type: application/json")
        Map<String, Object> update(@Param("imsi") String imsi, Map<String, Object> line);
    }

    private final MockWebServer crm = new MockWebServer();
    private final TestClock clock = TestClock.now();
    private final TestCredentials.Renewing credentials = TestCredentials.renewing("first", "second");
    private TestHandlerContext context;
    private UpstreamClient<LinesApi> client;

    @BeforeEach
    void start() throws IOException {
        crm.start();
        context = TestHandlerContext.forHandler("vendor-crm").clock(clock).credentials(credentials)
                .tracingHeaders(Map.of("x-b3-traceid", "trace-1", "x-request-id", "request-1"));
        client = UpstreamClient.builder(LinesApi.class, "CRM", crm.url("/v1").toString()).context(context)
                .timeout(Duration.ofSeconds(2)).statusesDecidedByCaller(404).build();
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        crm.shutdown();
    }

    @Test
    void aCallCarriesTheCredentialsAndTheEventsTracingHeadersAndIsLogged() throws Exception {
        crm.enqueue(json(200, "{\"status\":\"active\"}"));

        Map<String, Object> answer = update();

        assertThat(answer).containsEntry("status", "active");
        RecordedRequest request = crm.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request.getPath()).isEqualTo("/v1/lines/255010000020349");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer first");
        assertThat(request.getHeader("x-b3-traceid")).isEqualTo("trace-1");
        assertThat(request.getHeader("x-request-id")).isEqualTo("request-1");
        assertThat(request.getBody().readUtf8()).isEqualTo("{\"status\":\"active\"}");
        assertThat(context.logged()).anySatisfy(line -> assertThat(line).matches("CRM update line 255010000020349: HTTP 200 in \\d+ ms"));
    }

    @Test
    void aRefusedTokenIsRenewedAndTheCallSentOnceMore() throws Exception {
        crm.enqueue(json(401, "{}"));
        crm.enqueue(json(200, "{}"));

        update();

        assertThat(crm.takeRequest().getHeader("Authorization")).isEqualTo("Bearer first");
        assertThat(crm.takeRequest().getHeader("Authorization")).isEqualTo("Bearer second");
        assertThat(credentials.refusals()).isEqualTo(1);
    }

    @Test
    void credentialsRefusedAgainAreAnAuthenticationFailureAfterOneResend() {
        crm.enqueue(json(403, "{}"));
        crm.enqueue(json(403, "{}"));

        assertThatThrownBy(this::update).isInstanceOf(UpstreamAuthenticationException.class)
                .hasMessage("The CRM refused the connector's credentials (HTTP 403)");
        assertThat(crm.getRequestCount()).isEqualTo(2);
    }

    @Test
    void statusesBecomeTheSpisFailuresWithTheSanitisedUpstreamText() {
        crm.enqueue(json(422, "{\"error\":\"plan unknown, see http://crm.internal/plans\"}"));
        crm.enqueue(json(500, "{\"message\":\"database down\"}"));
        crm.enqueue(json(302, "").addHeader("Location", "http://elsewhere/"));

        assertThatThrownBy(this::update).isInstanceOf(InvalidEventException.class)
                .hasMessage("The CRM refused the request (HTTP 422): plan unknown, see [address]");
        assertThatThrownBy(this::update).isInstanceOf(UpstreamErrorException.class).hasMessage("The CRM failed (HTTP 500): database down");
        assertThatThrownBy(this::update).as("a redirect is never followed").isInstanceOf(UpstreamErrorException.class)
                .hasMessage("The CRM failed (HTTP 302)");
        assertThat(crm.getRequestCount()).as("nothing re-sent").isEqualTo(3);
    }

    @Test
    void anUnavailableSystemsRetryAfterIsKept() {
        crm.enqueue(json(503, "{\"error\":\"maintenance\"}").addHeader("Retry-After", "120"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("The CRM is unavailable (HTTP 503): maintenance");
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
        });
    }

    @Test
    void aStatusTheHandlerDecidesIsHandedToIt() {
        crm.enqueue(json(404, "{\"error\":\"no such line\"}"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamStatusException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.detail()).isEqualTo(": no such line");
        });
    }

    @Test
    void aRateLimitHoldsEveryCallUntilItsRetryAfter() throws Exception {
        crm.enqueue(json(429, "{}").addHeader("Retry-After", "20"));
        crm.enqueue(json(200, "{}"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(20)));
        clock.advance(Duration.ofSeconds(15));
        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(5));
        update();
        assertThat(crm.getRequestCount()).isEqualTo(2);
    }

    @Test
    void anAnswerDrippedPastTheDeadlineIsAbandoned() {
        crm.enqueue(json(200, "{\"status\":\"" + "x".repeat(200) + "\"}").throttleBody(1, 100, TimeUnit.MILLISECONDS));
        long started = System.nanoTime();

        assertThatThrownBy(this::update).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessage("The CRM did not answer within 2000 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void aDrippingAnswersConnectionIsClosedAtTheDeadlineAndTheNextCallGoesThrough() throws Exception {
        try (DrippingServer dripping = new DrippingServer();
             UpstreamClient<LinesApi> shortDeadline = UpstreamClient.builder(LinesApi.class, "CRM", dripping.url()).context(context)
                     .timeout(Duration.ofMillis(500)).maxCallsInFlight(1).build()) {
            assertThatThrownBy(() -> shortDeadline.call("update line 1", shortDeadline.deadline(),
                    api -> api.update("1", Map.of("status", "active"))))
                    .isInstanceOf(UpstreamUnavailableException.class)
                    .hasMessage("The CRM did not answer within 500 ms");

            // The whole answer would take a minute: the server sees its connection closed long before.
            assertThat(dripping.closedByClient.await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
            assertThat(dripping.bytesSent).isLessThan(DrippingServer.BODY_BYTES);
            assertThat(context.logged()).anySatisfy(line -> assertThat(line).matches("CRM update line 1: no answer in \\d+ ms"));
            assertThat(context.upstreamCalls()).last().satisfies(call -> assertThat(call.status()).isZero());

            // Its call slot and its connection were given back: the next call (the only one allowed) is answered.
            dripping.answerNextAtOnce();
            Map<String, Object> answer = shortDeadline.call("update line 2", shortDeadline.deadline(), api -> api.update("2", Map.of()));
            assertThat(answer).containsEntry("ok", true);
        }
    }

    @Test
    void callsRunOnTheCallersThreadAndStartNoThreadButTheSharedDeadlineTimer() throws Exception {
        int calls = 16;
        for (int i = 0; i < calls; i++) {
            crm.enqueue(json(200, "{}").setHeadersDelay(20, TimeUnit.MILLISECONDS));
        }
        ExecutorService events = Executors.newFixedThreadPool(8);
        try {
            // The pool's threads exist before the snapshot (a fixed pool starts one per task up to its size).
            for (int i = 0; i < 8; i++) {
                events.submit(() -> { }).get();
            }
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            List<Future<Boolean>> sameThread = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                sameThread.add(events.submit(() -> {
                    Thread caller = Thread.currentThread();
                    return client.call("update line 3", client.deadline(), api -> {
                        api.update("3", Map.of());
                        return Thread.currentThread() == caller;
                    });
                }));
            }
            for (Future<Boolean> call : sameThread) {
                assertThat(call.get(20, TimeUnit.SECONDS)).as("the call ran on the caller's thread").isTrue();
            }
            Set<String> started = Thread.getAllStackTraces().keySet().stream().filter(thread -> !before.contains(thread))
                    .map(Thread::getName).filter(name -> !name.startsWith("MockWebServer") && !name.startsWith("OkHttp"))
                    .collect(Collectors.toSet());
            assertThat(started).isSubsetOf("upstream-deadlines");
        } finally {
            events.shutdownNow();
        }
    }

    @Test
    void beyondMaxCallsInFlightACallIsRefusedAtOnce() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        crm.setDispatcher(answerWhenReleased(received, release));
        ExecutorService events = Executors.newSingleThreadExecutor();
        try (UpstreamClient<LinesApi> one = UpstreamClient.builder(LinesApi.class, "CRM", crm.url("/v1").toString()).context(context)
                .timeout(Duration.ofSeconds(10)).maxCallsInFlight(1).build()) {
            Future<Map<String, Object>> first = events.submit(() -> one.call("update line 4", one.deadline(), api -> api.update("4", Map.of())));
            assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> one.call("update line 5", one.deadline(), api -> api.update("5", Map.of())))
                    .isInstanceOf(UpstreamUnavailableException.class).hasMessage("Too many CRM calls in progress (1)");
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(crm.getRequestCount()).isEqualTo(1);
        } finally {
            release.countDown();
            events.shutdownNow();
        }
    }

    @Test
    void aThreadWaitingForTheAnswerIsBlockedOnItsCallAsTheWorkerPoolSeesIt() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        crm.setDispatcher(answerWhenReleased(received, release));
        ExecutorService events = Executors.newSingleThreadExecutor();
        try {
            Thread caller = events.submit(Thread::currentThread).get();
            Future<Object> blockerAfter = events.submit(() -> {
                client.call("update line 6", client.deadline(), api -> api.update("6", Map.of()));
                return java.util.Objects.requireNonNullElse(LockSupport.getBlocker(Thread.currentThread()), "none");
            });
            assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();

            // Runnable to the JVM in its socket read, it names what it is blocked on (WorkerPool.isWaiting reads it).
            assertThat(LockSupport.getBlocker(caller)).isInstanceOf(CallContext.class);
            release.countDown();
            assertThat(blockerAfter.get(10, TimeUnit.SECONDS)).as("once the call is over").isEqualTo("none");
        } finally {
            release.countDown();
            events.shutdownNow();
        }
    }

    @Test
    void anUnreachableSystemIsUnavailable() throws Exception {
        crm.shutdown();

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("The CRM is unreachable (connection refused)");
            assertThat(e.retryAfter()).contains(UpstreamClient.DEFAULT_RETRY_AFTER);
        });
    }

    @Test
    void credentialsThatCannotBeHadSendNothingAndCountNoCallAgainstTheSystem() throws Exception {
        TestHandlerContext noToken = TestHandlerContext.forHandler("vendor-crm").clock(clock).credentials(TestCredentials.unavailable());
        try (UpstreamClient<LinesApi> withoutToken = UpstreamClient.builder(LinesApi.class, "CRM", crm.url("/v1").toString())
                .context(noToken).timeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(() -> withoutToken.call("update line 255010000020349", withoutToken.deadline(),
                    api -> api.update("255010000020349", Map.of("status", "active"))))
                    .isInstanceOf(UpstreamUnavailableException.class).hasMessage("The token endpoint is unreachable");
        }

        assertThat(crm.getRequestCount()).as("nothing reached the system").isZero();
        assertThat(noToken.upstreamCalls()).as("no call to count against the system (its alerts would say it is down)").isEmpty();
    }

    private Map<String, Object> update() throws Exception {
        return client.call("update line 255010000020349", client.deadline(),
                api -> api.update("255010000020349", Map.of("status", "active")));
    }

    /** Counts {@code received} down at each request, and answers 200 {@code {}} once {@code release} is (within 10 s). */
    private static Dispatcher answerWhenReleased(CountDownLatch received, CountDownLatch release) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                received.countDown();
                release.await(10, TimeUnit.SECONDS);
                return json(200, "{}");
            }
        };
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }

    /**
     * A server on a plain socket that answers its first request with a head announcing a body of
     * {@link #BODY_BYTES} and then drips it a byte every 50 ms, and tells when the client closed
     * the connection (its next write fails); later connections are answered at once.
     */
    private static final class DrippingServer implements AutoCloseable {
        static final int BODY_BYTES = 1200;

        private final ServerSocket socket = new ServerSocket(0);
        private final Thread thread = new Thread(this::serve, "dripping-server");
        final CountDownLatch closedByClient = new CountDownLatch(1);
        volatile int bytesSent;
        private volatile boolean drip = true;

        DrippingServer() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        }

        void answerNextAtOnce() {
            drip = false;
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    readRequest(connection.getInputStream());
                    OutputStream out = connection.getOutputStream();
                    if (!drip) {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
                                + "{\"ok\":true}")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        continue;
                    }
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + BODY_BYTES + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    try {
                        for (int i = 0; i < BODY_BYTES; i++) {
                            out.write(' ');
                            out.flush();
                            bytesSent = i + 1;
                            Thread.sleep(50);
                        }
                    } catch (IOException closed) {
                        closedByClient.countDown();
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads a request: its head, then as many bytes as its Content-Length says. */
        private static void readRequest(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            for (String line : head.toString().split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
