#set( $upper = $handlerName.toUpperCase().replace("-", "_") )
package ${package};

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.spi.testing.NspsAnswer;
import io.nsps.connector.spi.testing.NspsConnector;
import io.nsps.connector.spi.testing.SampleEvents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler inside the real connector (in this JVM: its HTTP server, authentication, schema
 * validation, exactly-once), configured as an operator would configure it, sent NSPS's sample
 * events: the answers NSPS would get, and what reached the CRM.
 */
final class CrmHandlerConnectorTest {

    private static final FakeCrm CRM = fakeCrm();

    @RegisterExtension
    static final NspsConnector CONNECTOR = NspsConnector.withHandlers("${handlerName}")
            .setting("${upper}_URL", CRM::url)
            .setting("${upper}_AUTH", "bearer")
            .setting("${upper}_TOKEN", FakeCrm.TOKEN);

    @AfterAll
    static void stopCrm() {
        CRM.close();
    }

    @Test
    void eventsOfBothTypesAreProvisionedAndAnswered202() {
        NspsAnswer updated = CONNECTOR.sendSample("sim-updated");
        NspsAnswer deleted = CONNECTOR.sendSample("sim-deleted");

        assertThat(updated.status()).as(updated.body()).isEqualTo(202);
        assertThat(updated.message()).isEqualTo("CRM line 255010000020349 is active");
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(202);
        assertThat(CRM.received()).extracting(FakeCrm.Received::method, FakeCrm.Received::path, FakeCrm.Received::authorization)
                .contains(org.assertj.core.groups.Tuple.tuple("PUT", "/api/v1/lines/255010000020349", "Bearer " + FakeCrm.TOKEN),
                        org.assertj.core.groups.Tuple.tuple("DELETE", "/api/v1/lines/255010000020350", "Bearer " + FakeCrm.TOKEN));
    }

    @Test
    void aCrmThatFailsGetsTheEventRetriedByNsps() {
        CRM.answerNext(503);

        NspsAnswer answer = CONNECTOR.send(SampleEvents.withEventId("sim-updated", "crm-down-1"));

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.type()).isEqualTo("connection_error");
        assertThat(answer.retriedByNsps()).isTrue();
    }

    @Test
    void anEventTheSchemaRefusesNeverReachesTheHandler() {
        int before = CRM.received().size();

        NspsAnswer answer = CONNECTOR.sendSample("invalid-wrong-types");

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.retriedByNsps()).isFalse();
        assertThat(CRM.received()).hasSize(before);
    }

    private static FakeCrm fakeCrm() {
        try {
            return new FakeCrm();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
