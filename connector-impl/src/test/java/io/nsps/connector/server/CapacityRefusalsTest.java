package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nsps.connector.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The log lines of requests refused at the door because no worker could take them. */
final class CapacityRefusalsTest {

    private static final Duration PERIOD = Duration.ofSeconds(2);

    @BeforeAll
    static void capture() {
        LogCapture.attach();
    }

    @Test
    void everyRefusalHasItsAccessLineAndTheWarningComesAtMostOncePerPeriodWithTheCountSinceTheLast() throws Exception {
        CapacityRefusals refusals = new CapacityRefusals(PERIOD, new io.nsps.connector.metrics.ConnectorMetrics());
        String reason = "a reason only this test gives " + UUID.randomUUID();
        String requestPrefix = UUID.randomUUID().toString().substring(0, 8);

        for (int i = 0; i < 100; i++) {
            refusals.refused("POST", "/events/" + i, requestPrefix + "-" + i, "unique-" + i, new RejectedExecutionException(reason));
        }

        List<JsonNode> warnings = warningsWith(reason);
        assertThat(warnings).as("one warning for the first refusal of the period, none for the other 99").hasSize(1);
        assertThat(warnings.get(0).path("message").asText()).contains("refusing requests with 503 (" + reason + "): 1 since the previous");
        for (int i = 0; i < 100; i++) {
            List<JsonNode> lines = LogCapture.forRequest(requestPrefix + "-" + i);
            assertThat(lines).as("the access line of refusal %d", i).singleElement().satisfies(line -> {
                assertThat(line.path("logger").asText()).isEqualTo("io.nsps.connector.access");
                assertThat(line.path("status").asInt()).isEqualTo(503);
                assertThat(line.path("outcome").asText()).isEqualTo(CapacityRefusals.OUTCOME);
                assertThat(line.path("method").asText()).isEqualTo("POST");
                assertThat(line.path("path").asText()).startsWith("/events/");
                assertThat(line.path("unique_id").asText()).startsWith("unique-");
            });
        }

        await().atMost(PERIOD.plusSeconds(5)).pollInterval(Duration.ofMillis(50)).until(refusals::warningDue);
        refusals.refused("POST", "/events", requestPrefix + "-last", "unique-last", new RejectedExecutionException(reason));

        assertThat(warningsWith(reason)).hasSize(2);
        assertThat(warningsWith(reason).get(1).path("message").asText())
                .as("the 99 not reported in the first period, and this one")
                .contains("): 100 since the previous");
    }

    @Test
    void grizzlysOwnWarningIsDroppedForARejectedHandOverOnly() {
        java.util.logging.Logger grizzly = java.util.logging.Logger.getLogger(HttpHandler.class.getName());
        Filter installedByTheServer = grizzly.getFilter();
        CapacityRefusals.silenceGrizzlyRejectionWarnings();

        LogRecord rejected = new LogRecord(Level.WARNING, "GRIZZLY0200: Service exception");
        rejected.setThrown(new RejectedExecutionException("all 1 running workers busy"));
        LogRecord other = new LogRecord(Level.WARNING, "GRIZZLY0200: Service exception");
        other.setThrown(new IllegalStateException("something else"));

        try {
            assertThat(grizzly.getFilter().isLoggable(rejected)).isFalse();
            assertThat(grizzly.getFilter().isLoggable(other)).isTrue();
        } finally {
            // QueueOverflowTest checks that the server installs it.
            grizzly.setFilter(installedByTheServer);
        }
    }

    private static List<JsonNode> warningsWith(String reason) {
        return LogCapture.json().stream()
                .filter(line -> line.path("logger").asText().equals(CapacityRefusals.class.getName()))
                .filter(line -> line.path("message").asText().contains(reason))
                .toList();
    }
}
