package io.nsps.connector.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two connector instances sharing one PostgreSQL database, every event delivered to both at once:
 * the handler sees each event exactly once, and each subscriber's events in the order sent.
 */
final class SharedPostgresStateTest {

    private static final int SUBSCRIBERS = 4;
    private static final int EVENTS_EACH = 5;
    /** Its own threads: the common pool has a single worker on two cores. */
    private static final ExecutorService SENDERS = Executors.newFixedThreadPool(3 * SUBSCRIBERS);

    @Test
    void twoInstancesProvisionEachEventOnceAndInOrderPerSubscriber() throws Exception {
        PostgresDatabase.assumeReachable();
        String schema = PostgresDatabase.freshSchema();
        Map<String, String> shared = new HashMap<>(Map.of("HANDLERS", "probe", "STATE_STORE", "postgres",
                "STATE_DB_URL", PostgresDatabase.URL, "STATE_DB_USER", PostgresDatabase.USER, "STATE_DB_SCHEMA", schema,
                "INFLIGHT_WAIT", "10s"));
        if (!PostgresDatabase.PASSWORD.isEmpty()) {
            shared.put("STATE_DB_PASSWORD", TestSecrets.remember(PostgresDatabase.PASSWORD));
        }
        Map<String, List<String>> sent = new HashMap<>();
        try (RunningConnector a = RunningConnector.start(withInstance(shared, "instance-a"));
             RunningConnector b = RunningConnector.start(withInstance(shared, "instance-b"))) {
            List<CompletableFuture<Void>> subscribers = new ArrayList<>();
            for (int s = 0; s < SUBSCRIBERS; s++) {
                String account = Long.toString(System.nanoTime() + s);
                List<String> ids = new ArrayList<>();
                sent.put(account, ids);
                subscribers.add(CompletableFuture.runAsync(() -> deliverInOrder(a, b, account, ids), SENDERS));
            }
            for (CompletableFuture<Void> subscriber : subscribers) {
                subscriber.get(60, TimeUnit.SECONDS);
            }
        } finally {
            PostgresDatabase.dropSchema(schema);
        }

        for (Map.Entry<String, List<String>> subscriber : sent.entrySet()) {
            List<String> ids = subscriber.getValue();
            List<String> handled = ProbeHandlerFactory.HANDLED.stream().filter(ids::contains).toList();
            assertThat(handled).as("subscriber %s: each event once, in the order sent", subscriber.getKey()).containsExactlyElementsOf(ids);
        }
    }

    /** Each event to both instances at once; the next one only after both answered. */
    private static void deliverInOrder(RunningConnector a, RunningConnector b, String account, List<String> ids) {
        Instant time = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < EVENTS_EACH; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            String event = "{\"event_id\":\"" + id + "\",\"updated_at\":\"" + time.plusSeconds(i) + "\",\"data\":{\"event_type\":\"Probe/Test\","
                    + "\"variables\":{\"probe\":\"sleep:50\",\"i_account\":" + account + "}}}";
            CompletableFuture<HttpAnswer> toA = CompletableFuture.supplyAsync(() -> a.postEvent(event), SENDERS);
            CompletableFuture<HttpAnswer> toB = CompletableFuture.supplyAsync(() -> b.postEvent(event), SENDERS);
            assertThat(toA.join().status()).isEqualTo(202);
            assertThat(toB.join().status()).isEqualTo(202);
        }
    }

    private static Map<String, String> withInstance(Map<String, String> shared, String instance) {
        Map<String, String> env = new HashMap<>(shared);
        env.put("INSTANCE_ID", instance);
        return env;
    }
}
