package io.nsps.connector.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What PortaOne's guide sends and expects, handler-independent, through the real server: its
 * deploy smoke test, times without an offset, the {@code details} of a 422, and the
 * {@code severity} Cloud Logging reads.
 */
final class GuidePayloadsTest {

    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "PROBE_EVENT_TYPES", "*"));
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @Test
    void theGuidesDeploySmokeTestIsAccepted() {
        HttpAnswer answer = connector.postEvent(guide("deploy-smoke-test.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
    }

    @Test
    void timesWithoutAnOffsetAreReadAsUtcForOrdering() {
        String subscriber = Long.toString(System.nanoTime());
        String newer = event("newer", subscriber, "2025-06-10 09:12:07");
        String older = event("older", subscriber, "2025-06-10 09:12:06");

        assertThat(connector.postEvent(newer).json().path("message").asText()).startsWith("probe processed");
        assertThat(connector.postEvent(older).json().path("message").asText())
                .startsWith("Event is older (2025-06-10T09:12:06Z) than the last one applied");
    }

    @Test
    void aRefusedEventCarriesOneDetailPerOffendingField() {
        HttpAnswer answer = connector.postEvent("{\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"variables\":[]},"
                + "\"pb_data\":{\"account_info\":{\"blocked\":\"yes\"}}}");

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        JsonNode details = answer.json().path("details");
        assertThat(details).hasSize(3);
        assertThat(details.findValuesAsText("field")).containsExactlyInAnyOrder("data.event_type", "data.variables",
                "pb_data.account_info.blocked");
        assertThat(details.get(0).path("problem").asText()).isNotBlank();
        assertThat(answer.json().path("error").asText()).contains("data.event_type is required");
    }

    @Test
    void aHandlersRefusalNamesItsFieldInTheDetails() {
        HttpAnswer answer = connector.postEvent(RunningConnector.probeEvent(UUID.randomUUID().toString(), "invalid"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("details").get(0).path("field").asText()).isEqualTo("pb_data.sim_info.imsi");
        assertThat(answer.json().path("details").get(0).path("problem").asText()).isEqualTo("is required");
    }

    @Test
    void jsonLinesCarryTheSeverityCloudLoggingReads() {
        connector.postEvent(RunningConnector.probeEvent(UUID.randomUUID().toString(), "unavailable"), "x-b3-traceid", "severity-1");

        assertThat(LogCapture.forRequest("severity-1")).allSatisfy(line -> assertThat(line.path("severity").asText())
                .isEqualTo(Map.of("INFO", "INFO", "WARN", "WARNING", "ERROR", "ERROR").get(line.path("level").asText())));
    }

    private static String event(String name, String account, String updatedAt) {
        return "{\"event_id\":\"" + name + "-" + UUID.randomUUID() + "\",\"updated_at\":\"" + updatedAt + "\","
                + "\"data\":{\"event_type\":\"Probe/Test\",\"variables\":{\"probe\":\"ok\",\"i_account\":" + account + "}}}";
    }

    private static String guide(String name) {
        try (InputStream in = GuidePayloadsTest.class.getClassLoader().getResourceAsStream("guide/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
