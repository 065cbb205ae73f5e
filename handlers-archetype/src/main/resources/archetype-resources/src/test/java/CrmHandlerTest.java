#set( $upper = $handlerName.toUpperCase().replace("-", "_") )
package ${package};

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.testing.SampleEvents;
import io.nsps.connector.spi.testing.TestCredentials;
import io.nsps.connector.spi.testing.TestHandlerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler alone, with the testing kit's context, against the fake CRM: what each event becomes. */
final class CrmHandlerTest {

    private FakeCrm crm;
    private EventHandler handler;

    @BeforeEach
    void start() throws Exception {
        crm = new FakeCrm();
        TestHandlerContext context = TestHandlerContext.forFactory(new CrmHandlerFactory())
                .setting("URL", crm.url())
                .credentials(TestCredentials.bearer(FakeCrm.TOKEN));
        handler = new CrmHandlerFactory().create(context);
        assertThat(context.problems()).isEmpty();
    }

    @AfterEach
    void stop() {
        handler.close();
        crm.close();
    }

    @Test
    void aUrlThatIsNotHttpAndATimeoutBeyondTheSendersStopStartUp() {
        TestHandlerContext context = TestHandlerContext.forFactory(new CrmHandlerFactory())
                .setting("URL", "crm.example:8443/api/v1").setting("TIMEOUT", "30s")
                .credentials(TestCredentials.bearer(FakeCrm.TOKEN));

        assertThat(new CrmHandlerFactory().create(context)).isNull();
        assertThat(context.problems()).containsExactly(
                "${upper}_URL: 'crm.example:8443/api/v1' is not an http(s) URL like https://host:port/base/path",
                "${upper}_TIMEOUT: must be between 100ms and 25s, got 30s");
    }

    @Test
    void anUpdatedSimPutsItsLine() throws Exception {
        HandlerResult result = handler.handle(SampleEvents.event("sim-updated"));

        assertThat(result).isEqualTo(HandlerResult.processed("CRM line 255010000020349 is active"));
        assertThat(crm.received()).containsExactly(new FakeCrm.Received("PUT", "/api/v1/lines/255010000020349", "Bearer " + FakeCrm.TOKEN,
                "{\"account\":\"380501234567@msisdn\",\"msisdn\":\"380501234567\",\"status\":\"active\"}"));
    }

    @Test
    void aBlockedAccountsLineIsBlocked() throws Exception {
        handler.handle(SampleEvents.event("sim-updated-blocked"));

        assertThat(crm.received()).singleElement().satisfies(request -> assertThat(request.body()).contains("\"status\":\"blocked\""));
    }

    @Test
    void aDeletedSimDeletesItsLineAndAMissingOneIsAlreadyDeleted() throws Exception {
        assertThat(handler.handle(SampleEvents.event("sim-deleted")).message()).isEqualTo("CRM line 255010000020350 deleted");
        crm.answerNext(404);
        assertThat(handler.handle(SampleEvents.event("sim-deleted")).message()).isEqualTo("CRM line 255010000020350 already deleted");
        assertThat(crm.received()).extracting(FakeCrm.Received::method, FakeCrm.Received::path)
                .containsOnly(org.assertj.core.groups.Tuple.tuple("DELETE", "/api/v1/lines/255010000020350"));
    }

    @Test
    void aPutAnswered404IsAFailureNspsRetriesNotADeletion() {
        crm.answerNext(404);

        assertThatThrownBy(() -> handler.handle(SampleEvents.event("sim-updated"))).isInstanceOf(UpstreamErrorException.class)
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void failuresAreTheSpisAndDecideWhetherNspsRetries() {
        crm.answerNext(422);
        assertThatThrownBy(() -> handler.handle(SampleEvents.event("sim-updated"))).isInstanceOf(InvalidEventException.class)
                .hasMessage("The CRM refused the request (HTTP 422): refused by the fake CRM");
        crm.answerNext(500);
        assertThatThrownBy(() -> handler.handle(SampleEvents.event("sim-updated"))).isInstanceOf(UpstreamErrorException.class);
        assertThatThrownBy(() -> handler.handle(SampleEvents.parse(
                "{\"event_id\":\"e-1\",\"data\":{\"event_type\":\"SIM/Updated\"}}"))).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("pb_data.sim_info.imsi");
    }

    @Test
    void aRefusedTokenIsAnAuthenticationFailure() throws Exception {
        EventHandler withWrongToken = new CrmHandlerFactory().create(TestHandlerContext.forFactory(new CrmHandlerFactory())
                .setting("URL", crm.url()).credentials(TestCredentials.bearer("wrong")));

        assertThatThrownBy(() -> withWrongToken.handle(SampleEvents.event("sim-updated"))).isInstanceOf(UpstreamAuthenticationException.class);
        withWrongToken.close();
    }
}
