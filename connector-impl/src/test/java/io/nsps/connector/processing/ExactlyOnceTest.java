package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
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

/** Exactly once, order and retries after a failure, through the real connector (memory store). */
final class ExactlyOnceTest {

    private static RunningConnector connector;
    /** Its own threads: the common pool has a single worker on two cores, which would serialise the deliveries. */
    private static final ExecutorService SENDERS = Executors.newFixedThreadPool(8);

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "INFLIGHT_WAIT", "5s"));
    }

    @AfterAll
    static void stop() {
        SENDERS.shutdownNow();
        connector.close();
    }

    @Test
    void sameEventTwiceProvisionsOnce() {
        String id = UUID.randomUUID().toString();

        HttpAnswer first = connector.postEvent(RunningConnector.probeEvent(id, "ok"));
        HttpAnswer second = connector.postEvent(RunningConnector.probeEvent(id, "ok"));

        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.json().path("message").asText()).isEqualTo("Event already processed: probe processed Probe/Test");
        assertThat(handled(id)).isEqualTo(1);
    }

    @Test
    void fiveConcurrentDeliveriesCauseOneSideEffectAndOneAnswer() throws Exception {
        String id = UUID.randomUUID().toString();
        List<CompletableFuture<HttpAnswer>> deliveries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            deliveries.add(CompletableFuture.supplyAsync(() -> connector.postEvent(RunningConnector.probeEvent(id, "sleep:700")), SENDERS));
        }

        for (CompletableFuture<HttpAnswer> delivery : deliveries) {
            HttpAnswer answer = delivery.get(20, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.json().path("message").asText()).endsWith("probe slept");
        }
        assertThat(handled(id)).isEqualTo(1);
    }

    @Test
    void failedEventRunsAgainWhenRedelivered() {
        String id = UUID.randomUUID().toString();

        HttpAnswer failed = connector.postEvent(RunningConnector.probeEvent(id, "fail_once"));
        HttpAnswer retried = connector.postEvent(RunningConnector.probeEvent(id, "fail_once"));
        HttpAnswer again = connector.postEvent(RunningConnector.probeEvent(id, "fail_once"));

        assertThat(failed.status()).isEqualTo(503);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(again.json().path("message").asText()).startsWith("Event already processed");
        assertThat(handled(id)).isEqualTo(2);
    }

    @Test
    void olderEventOfASubscriberIsAcknowledgedAsStaleWithoutProvisioning() {
        String account = Long.toString(System.nanoTime());
        String newer = UUID.randomUUID().toString();
        String older = UUID.randomUUID().toString();
        String sameTime = UUID.randomUUID().toString();

        HttpAnswer applied = connector.postEvent(accountEvent(newer, account, "2025-06-09T17:44:22.125109+00:00"));
        HttpAnswer stale = connector.postEvent(accountEvent(older, account, "2025-06-09T17:40:00+00:00"));
        HttpAnswer equal = connector.postEvent(accountEvent(sameTime, account, "2025-06-09T17:44:22.125109+00:00"));

        assertThat(applied.status()).isEqualTo(202);
        assertThat(stale.status()).isEqualTo(202);
        assertThat(stale.json().path("message").asText()).contains("older").contains("account:" + account).endsWith("not applied");
        assertThat(equal.json().path("message").asText()).isEqualTo("probe processed Probe/Test");
        assertThat(handled(newer)).isEqualTo(1);
        assertThat(handled(older)).isZero();
    }

    @Test
    void eventsOfOneSubscriberNeverOverlap() throws Exception {
        String account = Long.toString(System.nanoTime());
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<HttpAnswer>> deliveries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            String event = "{\"event_id\":\"" + id + "\",\"data\":{\"event_type\":\"Probe/Test\",\"variables\":{\"probe\":\"sleep:200\","
                    + "\"i_account\":" + account + "}}}";
            deliveries.add(CompletableFuture.supplyAsync(() -> connector.postEvent(event), SENDERS));
        }
        for (CompletableFuture<HttpAnswer> delivery : deliveries) {
            assertThat(delivery.get(20, TimeUnit.SECONDS).status()).isEqualTo(202);
        }

        List<String> timeline = ProbeHandlerFactory.TIMELINE.stream().filter(line -> ids.stream().anyMatch(line::contains)).toList();
        assertThat(timeline).hasSize(8);
        for (int i = 0; i < timeline.size(); i += 2) {
            String started = timeline.get(i).split(" ")[1];
            assertThat(timeline.get(i)).startsWith("start ");
            assertThat(timeline.get(i + 1)).as("the event that started is the one that ends next").startsWith("end " + started);
        }
    }

    private static String accountEvent(String id, String account, String updatedAt) {
        return "{\"event_id\":\"" + id + "\",\"updated_at\":\"" + updatedAt + "\",\"data\":{\"event_type\":\"Probe/Test\","
                + "\"variables\":{\"probe\":\"ok\",\"i_account\":" + account + "}}}";
    }

    private static long handled(String id) {
        return ProbeHandlerFactory.HANDLED.stream().filter(id::equals).count();
    }
}
