package io.nsps.connector.handlers.log;

import static io.nsps.connector.handlers.testing.FakeHandlerContext.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.handlers.testing.FakeHandlerContext;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class LogHandlerTest {

    private final FakeHandlerContext context = new FakeHandlerContext("log", "LOG_HANDLER_", Map.of(), null);

    @Test
    void logsOneLineSummaryAndAcceptsTheEvent() throws Exception {
        EventHandler handler = new LogHandlerFactory().create(context);

        HandlerResult result = handler.handle(sample("sim-updated.json"));

        assertThat(result).isEqualTo(HandlerResult.processed("Event SIM/Updated logged"));
        assertThat(context.logged).containsExactly("event 3e84c79f-ab6f-4546-8e27-0b6ab866f1fb type=SIM/Updated i_event=999999"
                + " account=380501234567@msisdn i_account=277147 account_status=active blocked=false imsi=255010000020349 sim_status=used");
    }

    @Test
    void summaryOfAMinimalEventHasOnlyWhatIsThere() throws Exception {
        new LogHandlerFactory().create(context).handle(sample("minimal-valid.json"));

        assertThat(context.logged).containsExactly("event 7d3f0a52-2c61-4f0e-bb1d-5e2f8f4c9a10 type=SIM/Updated");
    }

    @Test
    void everyValueTheSenderControlsIsCut() throws Exception {
        io.nsps.connector.model.Event event = sample("sim-updated.json");
        event.setEventId("x".repeat(1_500_000));

        new LogHandlerFactory().create(context).handle(event);

        assertThat(context.logged).singleElement().satisfies(line -> assertThat(line.length()).isLessThan(2_000));
    }

    @Test
    void eventTypesAreConfigurable() {
        assertThat(new LogHandlerFactory().create(context).eventTypes()).containsExactly("*");
        assertThat(new LogHandlerFactory().create(new FakeHandlerContext("log", "LOG_HANDLER_",
                Map.of("EVENT_TYPES", "SIM/*, Account/Blocked"), null)).eventTypes()).containsExactly("SIM/*", "Account/Blocked");
        assertThat(new LogHandlerFactory().configPrefix()).isEqualTo("LOG_HANDLER_");
    }
}
