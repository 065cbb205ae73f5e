package io.nsps.connector.parsing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.model.Event;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The start-up warm-up parses a sample that really is on the runtime classpath and really is a valid event. */
final class EventParserWarmUpTest {

    @Test
    void theWarmUpSampleIsPackagedAndParses() throws Exception {
        EventParser parser = new EventParser(JsonMappers.create());
        assertThat(parser.warmedUp()).isSameAs(parser);
        try (InputStream sample = EventParser.class.getClassLoader().getResourceAsStream("examples/events/sim-updated.json")) {
            assertThat(sample).as("api-spec packages the sample events").isNotNull();
            Event event = parser.parse(sample.readAllBytes());
            assertThat(event.getData().getEventType()).isEqualTo("SIM/Updated");
        }
    }
}
