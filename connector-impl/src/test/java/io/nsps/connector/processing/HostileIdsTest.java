package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Ids, types and subscribers no store can keep as given (NUL, lone surrogates, many kilobytes),
 * through the real server: each event is provisioned once and then answered "already processed",
 * never 503 on every delivery, and ids that differ are never taken for one another. Both stores
 * answer alike.
 */
final class HostileIdsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    abstract static class Hostile {

        RunningConnector connector;

        abstract Map<String, String> store();

        @BeforeEach
        void start() {
            Map<String, String> settings = new HashMap<>(store());
            settings.put("HANDLERS", "probe");
            connector = RunningConnector.start(settings);
        }

        @AfterEach
        void stop() {
            connector.close();
        }

        @Test
        void idsWithNulOrOfManyKilobytesAreProvisionedOnceThenDuplicates() {
            for (String id : new String[] {"nul\u0000id-" + UUID.randomUUID(), "long-" + "x".repeat(10_000) + UUID.randomUUID(),
                    "sha256:" + UUID.randomUUID(), "megabyte-" + UUID.randomUUID() + "y".repeat(1 << 20)}) {
                String event = event(id, "Probe/Test", null);

                assertProcessed(connector.postEvent(event));
                assertDuplicate(connector.postEvent(event));
                assertThat(ProbeHandlerFactory.HANDLED.stream().filter(id::equals).count()).isEqualTo(1);
            }
        }

        @Test
        void idsThatDifferOnlyInLoneSurrogatesAreTwoEvents() {
            String base = "surrogate-" + UUID.randomUUID() + "-";
            // Sent as JSON escapes: UTF-8, which the body is, has no form for a lone surrogate.
            String high = event(base + "HIGH", "Probe/Test", null).replace("HIGH", "\\ud800");
            String low = event(base + "LOW", "Probe/Test", null).replace("LOW", "\\udc00");

            assertProcessed(connector.postEvent(high));
            assertProcessed(connector.postEvent(low));
            assertDuplicate(connector.postEvent(high));
            assertDuplicate(connector.postEvent(low));
        }

        @Test
        void typesAndSubscribersWithNulOrOfManyKilobytesAreKeptToo() {
            String subscriber = "0\u0000" + "9".repeat(10_000);
            String first = "typed-" + UUID.randomUUID();
            String second = "typed-" + UUID.randomUUID();

            assertProcessed(connector.postEvent(event(first, "Probe/\u0000" + "t".repeat(5_000), subscriber)));
            assertProcessed(connector.postEvent(event(second, "Probe/Test", subscriber)));
            assertDuplicate(connector.postEvent(event(second, "Probe/Test", subscriber)));
            assertThat(ProbeHandlerFactory.HANDLED.stream().filter(id -> id.equals(first) || id.equals(second)).count()).isEqualTo(2);
        }

        private static String event(String id, String type, String imsi) {
            ObjectNode event = JSON.createObjectNode().put("event_id", id);
            event.putObject("data").put("event_type", type).putObject("variables").put("probe", "ok");
            if (imsi != null) {
                event.putObject("pb_data").putObject("sim_info").put("imsi", imsi);
                event.put("updated_at", java.time.Instant.now().toString());
            }
            return event.toString();
        }

        private static void assertProcessed(HttpAnswer answer) {
            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
            assertThat(answer.json().path("message").asText()).startsWith("probe processed");
        }

        private static void assertDuplicate(HttpAnswer answer) {
            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
            assertThat(answer.json().path("message").asText()).startsWith("Event already processed");
        }
    }

    @Nested
    final class InMemory extends Hostile {
        @Override
        Map<String, String> store() {
            return Map.of("STATE_STORE", "memory");
        }
    }

    @Nested
    final class InPostgres extends Hostile {
        private String schema;

        @Override
        Map<String, String> store() {
            PostgresDatabase.assumeReachable();
            schema = PostgresDatabase.freshSchema();
            return PostgresDatabase.connectorSettings(schema);
        }

        @AfterEach
        void dropSchema() {
            PostgresDatabase.dropSchema(schema);
        }
    }
}
