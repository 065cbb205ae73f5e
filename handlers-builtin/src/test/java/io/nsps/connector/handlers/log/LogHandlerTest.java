package io.nsps.connector.handlers.log;

import static io.nsps.connector.spi.testing.SampleEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.spi.testing.TestHandlerContext;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import org.junit.jupiter.api.Test;

final class LogHandlerTest {

    private final TestHandlerContext context = TestHandlerContext.forFactory(new LogHandlerFactory());

    @Test
    void logsOneLineSummaryAndAcceptsTheEvent() throws Exception {
        EventHandler handler = new LogHandlerFactory().create(context);

        HandlerResult result = handler.handle(event("sim-updated"));

        assertThat(result).isEqualTo(HandlerResult.processed("Event SIM/Updated logged"));
        assertThat(context.logged()).containsExactly("event 3e84c79f-ab6f-4546-8e27-0b6ab866f1fb type=SIM/Updated i_event=999999"
                + " account=380501234567@msisdn i_account=277147 account_status=active blocked=false imsi=255010000020349 sim_status=used");
    }

    @Test
    void summaryOfAMinimalEventHasOnlyWhatIsThere() throws Exception {
        new LogHandlerFactory().create(context).handle(event("minimal-valid"));

        assertThat(context.logged()).containsExactly("event 7d3f0a52-2c61-4f0e-bb1d-5e2f8f4c9a10 type=SIM/Updated");
    }

    @Test
    void everyValueTheSenderControlsIsCut() throws Exception {
        io.nsps.connector.model.Event event = event("sim-updated");
        event.setEventId("x".repeat(1_500_000));

        new LogHandlerFactory().create(context).handle(event);

        assertThat(context.logged()).singleElement().satisfies(line -> assertThat(line.length()).isLessThan(2_000));
    }

    @Test
    void eventTypesAreConfigurable() {
        assertThat(new LogHandlerFactory().create(context).eventTypes()).containsExactly("*");
        assertThat(new LogHandlerFactory().create(TestHandlerContext.forFactory(new LogHandlerFactory())
                .setting("EVENT_TYPES", "SIM/*, Account/Blocked")).eventTypes()).containsExactly("SIM/*", "Account/Blocked");
        assertThat(new LogHandlerFactory().configPrefix()).isEqualTo("LOG_HANDLER_");
    }
}
