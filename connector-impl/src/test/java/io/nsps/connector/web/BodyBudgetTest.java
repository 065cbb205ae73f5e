package io.nsps.connector.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
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

/** MAX_BODY_BYTES_IN_FLIGHT: large bodies beyond the budget are refused with 503 and admitted again once it frees. */
final class BodyBudgetTest {

    private static final ExecutorService SENDERS = Executors.newFixedThreadPool(8);
    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "WORKER_THREADS", "12", "MAX_CONCURRENT_EVENTS", "8",
                "MAX_BODY_BYTES", "64KiB", "MAX_BODY_BYTES_IN_FLIGHT", "128KiB"));
    }

    @AfterAll
    static void stop() {
        SENDERS.shutdownNow();
        connector.close();
    }

    /** A probe event of about 60 KB: two fit the 128 KB budget, a third does not. */
    private static String largeEvent(String eventId, String behaviour) {
        String small = RunningConnector.probeEvent(eventId, behaviour);
        return small.replace("\"variables\":{", "\"variables\":{\"padding\":\"" + "x".repeat(60 * 1024) + "\",");
    }

    @Test
    void largeBodiesBeyondTheBudgetAreRefusedFastAndAcceptedWhenRetried() throws Exception {
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<HttpAnswer>> requests = new ArrayList<>();
        ProbeHandlerFactory.Gate gate = ProbeHandlerFactory.gate("budget", 2);
        for (int i = 0; i < 4; i++) {
            String id = "large-" + UUID.randomUUID();
            ids.add(id);
            requests.add(CompletableFuture.supplyAsync(() -> connector.postEvent(largeEvent(id, "block:budget")), SENDERS));
        }
        // Two large ones hold the budget in the handler, the two others are refused: then a small one.
        gate.awaitEntered();
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.stream().filter(CompletableFuture::isDone).count() == 2);
        long started = System.nanoTime();
        HttpAnswer small = connector.postEvent(RunningConnector.probeEvent("small-" + UUID.randomUUID(), "ok"));
        Duration smallTook = Duration.ofNanos(System.nanoTime() - started);
        gate.open().countDown();

        List<HttpAnswer> answers = new ArrayList<>();
        for (CompletableFuture<HttpAnswer> request : requests) {
            answers.add(request.get(30, TimeUnit.SECONDS));
        }
        assertThat(small.status()).as("a small event still fits beside two large ones").isEqualTo(202);
        assertThat(smallTook).isLessThan(Duration.ofMillis(1000));
        assertThat(answers.stream().filter(a -> a.status() == 202)).hasSize(2);
        List<HttpAnswer> refused = answers.stream().filter(a -> a.status() == 503).toList();
        assertThat(refused).hasSize(2).allSatisfy(a -> {
            assertThat(a.header("Retry-After")).isEqualTo("5");
            assertThat(a.json().path("type").asText()).isEqualTo("connection_error");
            assertThat(a.json().path("message").asText()).contains("large events");
        });

        // NSPS retries what was refused: with the budget free again, every event is provisioned once.
        for (int i = 0; i < 4; i++) {
            if (answers.get(i).status() == 503) {
                assertThat(connector.postEvent(largeEvent(ids.get(i), "ok")).status()).isEqualTo(202);
            }
        }
        assertThat(ProbeHandlerFactory.HANDLED).containsAll(ids);
    }
}
