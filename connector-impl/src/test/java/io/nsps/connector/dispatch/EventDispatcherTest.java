package io.nsps.connector.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.model.ESPFEvent;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class EventDispatcherTest {

    private final List<String> calls = new ArrayList<>();

    @Test
    void everyHandlerTakingTheTypeIsCalledInOrder() throws Exception {
        EventDispatcher dispatcher = new EventDispatcher(List.of(
                handler("crm", "SIM/*", () -> HandlerResult.processed("crm done")),
                handler("audit", "*", () -> HandlerResult.ignored("audit skipped")),
                handler("pcrf", "Account/*", () -> HandlerResult.processed("never"))));

        DispatchResult result = dispatcher.dispatch(event("SIM/Updated"));

        assertThat(calls).containsExactly("crm", "audit");
        assertThat(result.handlers()).containsExactly("crm", "audit");
        assertThat(result.processed()).isTrue();
        assertThat(result.message()).isEqualTo("crm: crm done; audit: audit skipped");
    }

    @Test
    void eventNoHandlerTakesIsIgnoredWithTheReason() throws Exception {
        EventDispatcher dispatcher = new EventDispatcher(List.of(handler("crm", "SIM/*", () -> HandlerResult.processed("x"))));

        DispatchResult result = dispatcher.dispatch(event("Customer/Status/Suspended"));

        assertThat(calls).isEmpty();
        assertThat(result.processed()).isFalse();
        assertThat(result.message()).isEqualTo("Event ignored: no enabled handler takes event type Customer/Status/Suspended");
    }

    @Test
    void firstFailureStopsTheDispatchAndNamesTheHandler() {
        EventDispatcher dispatcher = new EventDispatcher(List.of(
                handler("hlr", "SIM/*", () -> {
                    throw new UpstreamUnavailableException("HLR down", null, null);
                }),
                handler("crm", "SIM/*", () -> HandlerResult.processed("crm"))));

        assertThatThrownBy(() -> dispatcher.dispatch(event("SIM/Updated")))
                .isInstanceOfSatisfying(HandlerFailure.class, failure -> {
                    assertThat(failure.handlerName()).isEqualTo("hlr");
                    assertThat(failure.getCause()).isInstanceOf(UpstreamUnavailableException.class);
                });
        assertThat(calls).containsExactly("hlr");
    }

    @Test
    void whatOneHandlerChangesInItsEventNoOtherHandlerSees() throws Exception {
        List<String> seen = new ArrayList<>();
        EventHandler meddler = new EventHandler() {
            @Override
            public Set<String> eventTypes() {
                return Set.of("*");
            }

            @Override
            public HandlerResult handle(Event event) {
                seen.add(event.getEventId() + " " + event.getData().getEventType());
                event.setEventId("changed");
                event.getData().setEventType("Changed/Type");
                return HandlerResult.processed("meddled");
            }
        };
        EventDispatcher dispatcher = new EventDispatcher(List.of(
                new RegisteredHandler("first", meddler, List.of(EventTypePattern.of("*"))),
                new RegisteredHandler("second", meddler, List.of(EventTypePattern.of("*"))),
                new RegisteredHandler("third", meddler, List.of(EventTypePattern.of("*")))));

        dispatcher.dispatch(event("SIM/Updated"));

        assertThat(seen).containsExactly("e-1 SIM/Updated", "e-1 SIM/Updated", "e-1 SIM/Updated");
    }

    private interface Behaviour {
        HandlerResult run() throws io.nsps.connector.spi.HandlerException;
    }

    private RegisteredHandler handler(String name, String pattern, Behaviour behaviour) {
        EventHandler handler = new EventHandler() {
            @Override
            public Set<String> eventTypes() {
                return Set.of(pattern);
            }

            @Override
            public HandlerResult handle(Event event) throws io.nsps.connector.spi.HandlerException {
                calls.add(name);
                return behaviour.run();
            }
        };
        return new RegisteredHandler(name, handler, List.of(EventTypePattern.of(pattern)));
    }

    private static Event event(String type) {
        return Event.builder().eventId("e-1").data(ESPFEvent.builder().eventType(type).build()).build();
    }
}
