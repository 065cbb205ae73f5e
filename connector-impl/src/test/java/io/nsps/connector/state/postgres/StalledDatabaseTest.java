package io.nsps.connector.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.StallingProxy;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering with its connections still open: every event is answered 503
 * with Retry-After within the store's time bound (not after minutes), {@code /health} reports it,
 * and both recover when the database answers again.
 */
final class StalledDatabaseTest {

    @Test
    void aStalledDatabaseIsA503WithinItsBoundAndHealthSaysSo() {
        PostgresDatabase.assumeReachable();
        URI database = URI.create(PostgresDatabase.URL.substring("jdbc:".length()));
        String schema = PostgresDatabase.freshSchema();
        try (StallingProxy proxy = new StallingProxy(database.getHost(), database.getPort())) {
            Map<String, String> settings = new HashMap<>(PostgresDatabase.connectorSettings(schema));
            settings.put("STATE_DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath());
            settings.put("STATE_DB_TIMEOUT", "1s");
            settings.put("HANDLERS", "probe");
            int managementPort = io.nsps.connector.testing.FreePort.pick();
            settings.put("MANAGEMENT_PORT", Integer.toString(managementPort));
            settings.put("MANAGEMENT_TOKEN", "management-token-0123456789");
            try (RunningConnector connector = RunningConnector.start(settings)) {
                assertThat(connector.postEvent(RunningConnector.probeEvent(UUID.randomUUID().toString(), "ok")).status()).isEqualTo(202);

                proxy.stall();
                long start = System.nanoTime();
                HttpAnswer stalled = connector.postEvent(RunningConnector.probeEvent(UUID.randomUUID().toString(), "ok"));
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(stalled.status()).isEqualTo(503);
                assertThat(stalled.header("Retry-After")).isNotNull();
                assertThat(took).as("answered within the store's bound, not after minutes").isLessThan(Duration.ofSeconds(8));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    HttpAnswer health = connector.get("/health");
                    assertThat(health.status()).isEqualTo(503);
                    assertThat(health.json().path("status").asText()).isEqualTo("state_store_unavailable");
                });
                HttpAnswer journal = managementJournal(connector, managementPort);
                assertThat(journal.status()).as("the journal over a stalled database: " + journal.body()).isEqualTo(503);
                assertThat(journal.json().path("message").asText()).startsWith("The state store is unavailable");

                proxy.resume();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(connector.get("/health").status()).isEqualTo(200);
                    assertThat(connector.postEvent(RunningConnector.probeEvent(UUID.randomUUID().toString(), "ok")).status()).isEqualTo(202);
                });
            }
        } finally {
            PostgresDatabase.dropSchema(schema);
        }
    }

    private static HttpAnswer managementJournal(RunningConnector connector, int port) {
        return connector.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/journal"))
                .header("Authorization", "Bearer management-token-0123456789").timeout(Duration.ofSeconds(30)));
    }
}
