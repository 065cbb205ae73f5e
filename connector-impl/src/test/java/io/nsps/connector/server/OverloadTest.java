package io.nsps.connector.server;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Load beyond capacity is refused fast while health answers; a stalled body
 * frees its worker. One running worker, so every wait (slow handlers, slow bodies) must hand the
 * other requests to another worker.
 */
final class OverloadTest {

    private static final ExecutorService SENDERS = Executors.newFixedThreadPool(20);
    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "WORKER_THREADS", "8", "MAX_CONCURRENT_EVENTS", "4", "RUNNING_WORKERS", "1",
                "BODY_READ_TIMEOUT", "1s", "HEADER_READ_TIMEOUT", "1s"));
    }

    @AfterAll
    static void stop() {
        SENDERS.shutdownNow();
        connector.close();
    }

    private record Timed(HttpAnswer answer, Duration took) {
    }


    @Test
    void fourTimesTheCapacityWithASlowUpstreamIsRefusedFastWhileHealthAnswers() throws Exception {
        List<CompletableFuture<Timed>> requests = new ArrayList<>();
        ProbeHandlerFactory.Gate gate = ProbeHandlerFactory.gate("overload", 4);
        for (int i = 0; i < 16; i++) {
            String event = RunningConnector.probeEvent(UUID.randomUUID().toString(), "block:overload");
            requests.add(CompletableFuture.supplyAsync(() -> {
                long started = System.nanoTime();
                HttpAnswer answer = connector.postEvent(event);
                return new Timed(answer, Duration.ofNanos(System.nanoTime() - started));
            }, SENDERS));
        }
        // The four admitted ones are in the handler, the twelve others are answered: then health.
        gate.awaitEntered();
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.stream().filter(CompletableFuture::isDone).count() == 12);
        long started = System.nanoTime();
        HttpAnswer health = connector.get("/health");
        Duration healthTook = Duration.ofNanos(System.nanoTime() - started);
        gate.open().countDown();

        List<Timed> answers = new ArrayList<>();
        for (CompletableFuture<Timed> request : requests) {
            answers.add(request.get(30, TimeUnit.SECONDS));
        }
        assertThat(health.status()).isEqualTo(200);
        assertThat(healthTook).isLessThan(Duration.ofMillis(500));
        assertThat(answers.stream().filter(t -> t.answer().status() == 202)).hasSize(4);
        List<Timed> refused = answers.stream().filter(t -> t.answer().status() == 503).toList();
        assertThat(refused).hasSize(12).allSatisfy(t -> {
            assertThat(t.answer().header("Retry-After")).isEqualTo("5");
            assertThat(t.answer().json().path("type").asText()).isEqualTo("connection_error");
            assertThat(t.took()).as("refused without waiting for the slow ones").isLessThan(Duration.ofMillis(1500));
        });
    }

    @Test
    void bodyDribbledAByteAtATimeIsCutOff() throws Exception {
        String body = RunningConnector.probeEvent("dribble", "ok");
        try (Socket socket = new Socket("127.0.0.1", connector.server().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            java.util.concurrent.CountDownLatch dribbling = new java.util.concurrent.CountDownLatch(2);
            CompletableFuture<Void> dribbler = CompletableFuture.runAsync(() -> {
                try {
                    for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
                        out.write(b);
                        out.flush();
                        dribbling.countDown();
                        // The pace of a dribble: the behaviour under test, not a wait.
                        Thread.sleep(300);
                    }
                } catch (Exception e) {
                    // cut off, as expected
                }
            }, SENDERS);
            assertThat(dribbling.await(5, TimeUnit.SECONDS)).isTrue();
            long healthStarted = System.nanoTime();
            HttpAnswer health = connector.get("/health");
            Duration healthTook = Duration.ofNanos(System.nanoTime() - healthStarted);
            String answer = readAnswer(socket.getInputStream());
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            dribbler.cancel(true);

            assertThat(health.status()).isEqualTo(200);
            assertThat(healthTook).as("health answered while the body dribbles in").isLessThan(Duration.ofMillis(500));
            assertThat(answer).as("a slow link may pass: retried, not dropped").startsWith("HTTP/1.1 503").contains("arrived too slowly")
                    .containsIgnoringCase("retry-after: 5").containsIgnoringCase("connection: close");
            assertThat(took).as("cut off well before the %d bytes arrived", body.length()).isLessThan(Duration.ofSeconds(4));
        }
        assertThat(ProbeHandlerFactory.HANDLED).doesNotContain("dribble");
    }

    @Test
    void headersDribbledAByteAtATimeAreCutOff() throws Exception {
        byte[] head = ("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(100) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", connector.server().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            long started = System.nanoTime();
            boolean cutOff = false;
            try {
                for (byte b : head) {
                    out.write(b);
                    out.flush();
                    // The pace of a dribble: the behaviour under test, not a wait.
                    Thread.sleep(100);
                }
            } catch (java.io.IOException e) {
                cutOff = true;
            }
            int read = cutOff ? -1 : socket.getInputStream().read();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(read).as("the connection is closed, not answered").isEqualTo(-1);
            assertThat(took).as("well before the %d bytes of the head arrived", head.length).isLessThan(Duration.ofSeconds(8));
        }
        assertThat(connector.get("/health").status()).isEqualTo(200);
    }

    @Test
    void bodyShorterThanDeclaredTimesOutAndFreesItsWorker() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", connector.server().port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"event_id\"").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            String answer = readAnswer(socket.getInputStream());
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(answer).as("the rest may come on a re-send: retried, not dropped").startsWith("HTTP/1.1 503")
                    .contains("could not be read completely").containsIgnoringCase("retry-after: 5");
            assertThat(took).isBetween(Duration.ofMillis(800), Duration.ofSeconds(4));
        }
        assertThat(connector.get("/health").status()).isEqualTo(200);
    }

    /** Reads a raw answer up to the end of its JSON body. */
    private static String readAnswer(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) > 0; ) {
            answer.write(buffer, 0, n);
            if (answer.toString(StandardCharsets.UTF_8).contains("}")) {
                break;
            }
        }
        return answer.toString(StandardCharsets.UTF_8);
    }
}
