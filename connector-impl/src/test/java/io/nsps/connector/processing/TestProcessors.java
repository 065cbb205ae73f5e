package io.nsps.connector.processing;

import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.EventTypePattern;
import io.nsps.connector.dispatch.RegisteredHandler;
import io.nsps.connector.model.CardInfo;
import io.nsps.connector.model.ESPFEvent;
import io.nsps.connector.model.Event;
import io.nsps.connector.model.PBData;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The processor without a server, for tests of its own rules: one handler that provisions every SIM event. */
final class TestProcessors {

    private TestProcessors() {
    }

    /** @param onEvent run for each event the handler is given, before it answers "provisioned" */
    static EventProcessor provisioningSimEvents(StateStore store, Runnable onEvent) {
        EventHandler provisions = new EventHandler() {
            @Override
            public Set<String> eventTypes() {
                return Set.of("SIM/*");
            }

            @Override
            public HandlerResult handle(Event event) {
                onEvent.run();
                return HandlerResult.processed("provisioned");
            }
        };
        return new EventProcessor(store,
                new EventDispatcher(List.of(new RegisteredHandler("provisions", provisions, List.of(EventTypePattern.of("SIM/*"))))),
                new ProcessingSettings("test", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofDays(35),
                        Duration.ofDays(1)),
                Waiting.NONE, Clock.systemUTC());
    }

    /** A SIM/Updated event of the given id and IMSI, stamped 2025-07-02T00:00:00Z. */
    static Event simUpdated(String eventId, String imsi) {
        return Event.builder().eventId(eventId).updatedAt("2025-07-02T00:00:00Z")
                .data(ESPFEvent.builder().eventType("SIM/Updated").build())
                .pbData(PBData.builder().simInfo(CardInfo.builder().imsi(imsi).build()).build())
                .build();
    }
}
