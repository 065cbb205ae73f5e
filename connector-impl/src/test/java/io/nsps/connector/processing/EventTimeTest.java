package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.model.Event;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Which time an event has ({@link EventIdentity#time}): what orders a subscriber's events. */
final class EventTimeTest {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "2025-07-02T00:00:00Z                 | 2025-07-02T00:00:00Z",
            "2025-07-02T03:00:00+03:00            | 2025-07-02T00:00:00Z",
            "2025-07-02T03:00:00+03               | 2025-07-02T00:00:00Z",
            "2025-07-02T03:00:00+0300             | 2025-07-02T00:00:00Z",
            "2025-07-02 03:00:00 +0300            | 2025-07-02T00:00:00Z",
            "2025-07-02 00:00:00.123456+00        | 2025-07-02T00:00:00.123456Z",
            "2025-07-02 00:00:00                  | 2025-07-02T00:00:00Z",
            "2025-07-02T00:00:00                  | 2025-07-02T00:00:00Z",
            "2025-07-02t00:00:00z                 | 2025-07-02T00:00:00Z",
            "2025-07-02T00:00:00.1234569Z         | 2025-07-02T00:00:00.123456Z",
    })
    void theFormatsNspsAndPortaBillingPrintAreRead(String text, String instant) {
        assertThat(EventIdentity.time(event(text, null)).map(EventIdentity.EventTime::instant)).contains(Instant.parse(instant));
    }

    @Test
    void anUnreadableUpdatedAtGivesNoTimeRatherThanTheOlderCreatedAt() {
        Event event = event("1751414400", "2025-06-09T17:44:21Z");

        assertThat(EventIdentity.time(event)).isEmpty();
        assertThat(EventIdentity.unreadableTimeField(event)).contains("updated_at");
    }

    @Test
    void aBlankUpdatedAtIsAbsentAndCreatedAtGivesTheTime() {
        Event event = event(" ", "2025-06-09T17:44:21Z");

        assertThat(EventIdentity.time(event)).map(EventIdentity.EventTime::field).contains("created_at");
        assertThat(EventIdentity.unreadableTimeField(event)).isEmpty();
    }

    @Test
    void anImpossibleDateIsUnreadable() {
        assertThat(EventIdentity.time(event("2025-02-30T00:00:00Z", null))).isEmpty();
    }

    private static Event event(String updatedAt, String createdAt) {
        ObjectNode event = JSON.createObjectNode().put("event_id", "time-test");
        event.putObject("data").put("event_type", "SIM/Updated").putObject("variables");
        Optional.ofNullable(updatedAt).ifPresent(value -> event.put("updated_at", value));
        Optional.ofNullable(createdAt).ifPresent(value -> event.put("created_at", value));
        return JSON.convertValue(event, Event.class);
    }
}
