package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.spi.testing.NspsAnswer;
import io.nsps.connector.spi.testing.NspsConnector;
import io.nsps.connector.spi.testing.SampleEvents;
import io.nsps.connector.testing.RunningConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler testing kit's in-process connector ({@link NspsConnector}, run by
 * {@link EmbeddedConnector}): the real server, authentication and validation, with the handler
 * under test (here the suite's probe), answering as NSPS would be answered.
 */
final class EmbeddedConnectorTest {

    @RegisterExtension
    static final NspsConnector CONNECTOR = NspsConnector.withHandlers("probe");

    @Test
    void anEventIsAnsweredAsNspsWouldBeAnswered() {
        NspsAnswer answer = CONNECTOR.send(RunningConnector.probeEvent("embedded-1", "ok"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(answer.accepted()).isTrue();
        assertThat(CONNECTOR.send(RunningConnector.probeEvent("embedded-1", "ok")).message())
                .as("the same event again").startsWith("Event already processed");
    }

    @Test
    void failuresCarryTheirStatusTypeAndWhetherNspsRetries() {
        NspsAnswer unavailable = CONNECTOR.send(RunningConnector.probeEvent("embedded-2", "unavailable"));
        NspsAnswer invalid = CONNECTOR.send(RunningConnector.probeEvent("embedded-3", "invalid"));

        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.type()).isEqualTo("connection_error");
        assertThat(unavailable.retriedByNsps()).isTrue();
        assertThat(unavailable.retryAfterSeconds()).isPresent();
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.retriedByNsps()).isFalse();
    }

    @Test
    void theRealAuthenticationAndSchemaAreInFront() {
        assertThat(CONNECTOR.post("/process-event", SampleEvents.json("minimal-valid"), "Authorization", "Bearer wrong-token-0123456789")
                .status()).isEqualTo(401);
        NspsAnswer schema = CONNECTOR.sendSample("invalid-missing-event-id");
        assertThat(schema.status()).isEqualTo(422);
        assertThat(schema.json().path("details").get(0).path("field").asText()).isEqualTo("event_id");
        assertThat(CONNECTOR.health().status()).isEqualTo(200);
    }

    @Test
    void aConnectorThatCannotStartSaysWhy() {
        NspsConnector broken = NspsConnector.withHandlers("no-such-handler");

        assertThatThrownBy(broken::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HANDLERS names unknown handler 'no-such-handler'");
    }
}
