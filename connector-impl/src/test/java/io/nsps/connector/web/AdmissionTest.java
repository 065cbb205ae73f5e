package io.nsps.connector.web;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static io.nsps.connector.testing.RunningConnector.probeEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RawHttp;
import io.nsps.connector.testing.RunningConnector;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission control on the real server: every way out of a request gives its slot back, and a
 * connector that refuses events while none finishes says so on {@code /health} (503), so that an
 * orchestrator restarts it.
 */
final class AdmissionTest {

    private RunningConnector connector;

    @AfterEach
    void stop() {
        if (connector != null) {
            connector.close();
        }
    }

    @Test
    void everyWayOutOfARequestGivesItsSlotBack() throws Exception {
        connector = RunningConnector.start(Map.of("MAX_CONCURRENT_EVENTS", "2", "WORKER_THREADS", "8", "MAX_BODY_BYTES", "4KiB",
                "MAX_BODY_BYTES_IN_FLIGHT", "16KiB", "BODY_READ_TIMEOUT", "1s"));
        for (int i = 0; i < 5; i++) {
            assertThat(connector.postEvent(probeEvent(UUID.randomUUID().toString(), "crash")).status()).isEqualTo(500);
            assertThat(connector.postEvent("{\"event_id\":").status()).isEqualTo(400);
            assertThat(connector.postEvent("{\"event_id\":\"x\"}").status()).isEqualTo(422);
            assertThat(connector.postEvent(probeEvent(UUID.randomUUID().toString(), "invalid")).status()).isEqualTo(422);
            assertThat(connector.postEvent(probeEvent(UUID.randomUUID().toString(), "x".repeat(5000))).status()).isEqualTo(413);
            assertThat(connector.send(java.net.http.HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/xml")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("<xml/>"))).status()).isEqualTo(415);
            String chunkedOverLimit = "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1400\r\n" + "x".repeat(5120) + "\r\n0\r\n\r\n";
            assertThat(RawHttp.exchange(connector.server().port(), chunkedOverLimit).status()).isEqualTo(413);
            senderGoesAwayMidBody();
        }
        // The body read of those that went away ends within BODY_READ_TIMEOUT; then both slots are free again.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(twoAtOnce()).containsOnly(202));
    }

    @Test
    void aConnectorThatRefusesEventsWhileNoneFinishesIsUnhealthy() throws Exception {
        connector = RunningConnector.start(Map.of("MAX_CONCURRENT_EVENTS", "2", "WORKER_THREADS", "8", "HEALTH_STUCK_AFTER", "1s"));
        ProbeHandlerFactory.Gate gate = ProbeHandlerFactory.gate("stuck", 2);
        List<CompletableFuture<HttpAnswer>> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String event = probeEvent(UUID.randomUUID().toString(), "block:stuck");
            held.add(CompletableFuture.supplyAsync(() -> connector.postEvent(event)));
        }
        gate.awaitEntered();

        HttpAnswer refused = connector.postEvent(probeEvent(UUID.randomUUID().toString(), "ok"));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(connector.get("/health").status()).as("busy, not yet stuck").isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpAnswer health = connector.get("/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().path("status").asText()).isEqualTo("stuck");
        });

        gate.open().countDown();
        for (CompletableFuture<HttpAnswer> answer : held) {
            assertThat(answer.get().status()).isEqualTo(202);
        }
        assertThat(connector.get("/health").status()).isEqualTo(200);
    }

    /** Declares a body, sends part of it, and closes the connection. */
    private void senderGoesAwayMidBody() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", connector.server().port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"event_id\"").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** The statuses of two events sent at once, each of which holds its slot for a moment. */
    private List<Integer> twoAtOnce() throws Exception {
        ProbeHandlerFactory.Gate gate = ProbeHandlerFactory.gate("pair", 2);
        List<CompletableFuture<HttpAnswer>> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String event = probeEvent(UUID.randomUUID().toString(), "block:pair");
            answers.add(CompletableFuture.supplyAsync(() -> connector.postEvent(event)));
        }
        try {
            gate.entered().await(5, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            gate.open().countDown();
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpAnswer> answer : answers) {
            statuses.add(answer.get().status());
        }
        return statuses;
    }
}
