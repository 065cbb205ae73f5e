package io.nsps.connector.spi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.model.Event;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The clock, the samples, the credentials and the answer of the kit. */
final class KitPartsTest {

    @Test
    void theClockMovesOnlyWhenTold() {
        TestClock clock = TestClock.at("2026-06-01T12:00:00Z");
        var inKyiv = clock.withZone(ZoneId.of("Europe/Kyiv"));

        clock.advance(Duration.ofSeconds(30));

        assertThat(clock.instant()).isEqualTo(Instant.parse("2026-06-01T12:00:30Z"));
        assertThat(inKyiv.instant()).as("a zoned copy moves with it").isEqualTo(clock.instant());
        clock.set(Instant.EPOCH);
        assertThat(clock.millis()).isZero();
    }

    @Test
    void everyValidSampleBindsToTheModel() {
        for (String name : SampleEvents.VALID) {
            Event event = SampleEvents.event(name);
            assertThat(event.getEventId()).as(name).isNotBlank();
            assertThat(event.getData().getEventType()).as(name).isNotBlank();
        }
        assertThat(SampleEvents.event("sim-updated").getPbData().getSimInfo().getImsi()).isEqualTo("255010000020349");
        assertThat(SampleEvents.parse(SampleEvents.withEventId("sim-updated", "e-2")).getEventId()).isEqualTo("e-2");
        assertThatThrownBy(() -> SampleEvents.json("no-such-event")).hasMessageContaining("no sample event 'no-such-event'");
    }

    @Test
    void renewingCredentialsMoveOnOnlyWhenTheCurrentTokenIsRefused() throws Exception {
        TestCredentials.Renewing credentials = TestCredentials.renewing("one", "two");

        assertThat(credentials.authorization()).isEqualTo("Bearer one");
        assertThat(credentials.refused("Bearer one")).isTrue();
        assertThat(credentials.authorization()).isEqualTo("Bearer two");
        assertThat(credentials.refused("Bearer one")).as("an old token's refusal: the current one differs").isTrue();
        assertThat(credentials.refused("Bearer two")).as("nothing fresher to try").isFalse();
        assertThat(credentials.refusals()).isEqualTo(1);
        assertThat(TestCredentials.bearer("t").refused("Bearer t")).isFalse();
        assertThatThrownBy(() -> TestCredentials.unavailable().authorization()).isInstanceOf(UpstreamUnavailableException.class);
    }

    @Test
    void anAnswerSaysWhetherNspsRetriesIt() {
        assertThat(answer(202).retriedByNsps()).isFalse();
        assertThat(answer(202).accepted()).isTrue();
        assertThat(answer(422).retriedByNsps()).as("a 4xx is dropped").isFalse();
        assertThat(answer(429).retriedByNsps()).isFalse();
        assertThat(answer(500).retriedByNsps()).isTrue();
        assertThat(answer(503).retriedByNsps()).isTrue();
        NspsAnswer failure = new NspsAnswer(503, "{\"message\":\"m\",\"error\":\"e\",\"type\":\"connection_error\"}",
                HttpHeaders.of(Map.of("Retry-After", List.of("30")), (a, b) -> true));
        assertThat(failure.type()).isEqualTo("connection_error");
        assertThat(failure.error()).isEqualTo("e");
        assertThat(failure.retryAfterSeconds()).contains(30L);
    }

    private static NspsAnswer answer(int status) {
        return new NspsAnswer(status, "{\"message\":\"m\"}", HttpHeaders.of(Map.of(), (a, b) -> true));
    }
}
