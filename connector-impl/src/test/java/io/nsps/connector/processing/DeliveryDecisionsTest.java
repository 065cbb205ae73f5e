package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The documented answers to deliveries that are legal JSON but odd, through the real server: the
 * same id with other data, an event stamped far in the future, an empty id, and unrelated
 * subscribers provisioned side by side.
 */
final class DeliveryDecisionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    abstract static class Decisions {

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
        void theSameIdWithOtherDataIsAnsweredAsTheFirstAndWarned() {
            String id = "same-id-" + UUID.randomUUID();
            assertThat(connector.postEvent(event(id, "ok", "2025-06-09 17:44:21", null)).status()).isEqualTo(202);

            HttpAnswer again = connector.postEvent(event(id, "ignore", "2025-06-09 18:00:00", null), "x-b3-traceid", "other-data-1");

            assertThat(again.status()).isEqualTo(202);
            assertThat(again.json().path("message").asText()).startsWith("Event already processed");
            assertThat(ProbeHandlerFactory.HANDLED.stream().filter(id::equals).count()).isEqualTo(1);
            List<JsonNode> lines = LogCapture.forRequest("other-data-1");
            assertThat(lines).anySatisfy(line -> {
                assertThat(line.path("level").asText()).isEqualTo("WARN");
                assertThat(line.path("message").asText()).contains("already processed with other data")
                        .contains("2025-06-09T17:44:21Z then").contains("2025-06-09T18:00:00Z now");
            });
        }

        @Test
        void aRetryWithReEnrichedPbDataIsNotWarnedAbout() {
            String id = "re-enriched-" + UUID.randomUUID();
            assertThat(connector.postEvent(event(id, "ok", "2025-06-09 17:44:21", "imsi-a")).status()).isEqualTo(202);

            connector.postEvent(event(id, "ok", "2025-06-09 17:44:21", "imsi-b"), "x-b3-traceid", "re-enriched-1");

            assertThat(LogCapture.forRequest("re-enriched-1")).noneMatch(line -> line.path("level").asText().equals("WARN"));
        }

        @Test
        void anEventWhoseTimeCannotBeReadIsAppliedUnorderedAndWarned() {
            String id = "unreadable-time-" + UUID.randomUUID();
            assertThat(connector.postEvent(event("readable-" + UUID.randomUUID(), "ok", "2025-06-09 18:00:00", "imsi-unreadable")).status())
                    .isEqualTo(202);

            HttpAnswer answer = connector.postEvent(event(id, "ok", "1749491061", "imsi-unreadable"), "x-b3-traceid", "unreadable-time-1");

            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.json().path("message").asText()).doesNotContain("not applied");
            assertThat(ProbeHandlerFactory.HANDLED).contains(id);
            assertThat(LogCapture.forRequest("unreadable-time-1")).anySatisfy(line -> {
                assertThat(line.path("level").asText()).isEqualTo("WARN");
                assertThat(line.path("message").asText()).contains(id).contains("its data.variables.event_time cannot be read as a time");
            });
        }

        @Test
        void anEventStampedBeyondTheAllowedSkewIsRefusedNamingTheField() {
            HttpAnswer future = connector.postEvent(event("future-" + UUID.randomUUID(), "ok", "9999-12-31 23:59:59", null));
            HttpAnswer tomorrowAndABit = connector.postEvent(event("future-" + UUID.randomUUID(), "ok",
                    Instant.now().plus(Duration.ofHours(26)).toString(), null));
            HttpAnswer withinTheSkew = connector.postEvent(event("future-" + UUID.randomUUID(), "ok",
                    Instant.now().plus(Duration.ofHours(3)).toString(), null));

            assertThat(future.status()).isEqualTo(422);
            assertThat(future.json().path("error").asText()).startsWith("data.variables.event_time is more than 1d ahead");
            assertThat(tomorrowAndABit.status()).isEqualTo(422);
            assertThat(withinTheSkew.status()).as("a time zone's worth ahead is fine").isEqualTo(202);
        }

        @Test
        void anEmptyEventIdIsRefused() {
            HttpAnswer answer = connector.postEvent("{\"event_id\":\"\",\"data\":{\"event_type\":\"Probe/Test\"}}");

            assertThat(answer.status()).isEqualTo(422);
            assertThat(answer.json().path("error").asText()).startsWith("event_id");
        }

        @Test
        void unrelatedSubscribersDoNotWaitForEachOther() throws Exception {
            // "Aa" and "BB" have one String hash: with striped locks they would share a stripe.
            ProbeHandlerFactory.Gate gate = ProbeHandlerFactory.gate("subscriber-aa", 1);
            CompletableFuture<HttpAnswer> held = CompletableFuture.supplyAsync(() ->
                    connector.postEvent(event("held-" + UUID.randomUUID(), "block:subscriber-aa", null, "Aa")));
            gate.awaitEntered();
            try {
                long start = System.nanoTime();
                HttpAnswer other = connector.postEvent(event("free-" + UUID.randomUUID(), "ok", null, "BB"));

                assertThat(other.status()).isEqualTo(202);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            } finally {
                gate.open().countDown();
            }
            assertThat(held.get().status()).isEqualTo(202);
        }

        static String event(String id, String behaviour, String eventTime, String imsi) {
            ObjectNode event = JSON.createObjectNode().put("event_id", id);
            ObjectNode variables = event.putObject("data").put("event_type", "Probe/Test").putObject("variables").put("probe", behaviour);
            if (eventTime != null) {
                variables.put("event_time", eventTime);
            }
            if (imsi != null) {
                event.putObject("pb_data").putObject("sim_info").put("imsi", imsi);
            }
            return event.toString();
        }
    }

    @Nested
    final class InMemory extends Decisions {
        @Override
        Map<String, String> store() {
            return Map.of("STATE_STORE", "memory", "SUBSCRIBER_LOCK_WAIT", "5s");
        }
    }

    @Nested
    final class InPostgres extends Decisions {
        private String schema;

        @Override
        Map<String, String> store() {
            PostgresDatabase.assumeReachable();
            schema = PostgresDatabase.freshSchema();
            Map<String, String> settings = new HashMap<>(PostgresDatabase.connectorSettings(schema));
            settings.put("SUBSCRIBER_LOCK_WAIT", "5s");
            return settings;
        }

        @AfterEach
        void dropSchema() {
            PostgresDatabase.dropSchema(schema);
        }
    }
}
