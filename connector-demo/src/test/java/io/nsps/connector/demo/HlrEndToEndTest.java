package io.nsps.connector.demo;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real connector, the real simulator, the shipped sample events: the subscriber states they produce. */
final class HlrEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sampleEventsProduceTheExpectedSubscriberStates() throws Exception {
        String simulatorToken = TestSecrets.remember("simulator-token-2f9");
        try (HlrSimulator simulator = HlrSimulator.start(0, simulatorToken);
             RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "hlr-hss",
                     "HLR_API_URL", simulator.baseUrl().toString(), "HLR_AUTH", "bearer", "HLR_TOKEN", simulatorToken))) {

            HttpAnswer created = connector.postEvent(sample("sim-created.json"));
            assertThat(created.status()).isEqualTo(202);
            assertThat(simulator.subscriber("255010000020350")).isEqualTo(JSON.readTree(
                    "{\"imsi\":\"255010000020350\",\"msisdn\":[],\"subscriber_status\":\"operatorDeterminedBarring\"}"));

            assertThat(connector.postEvent(sample("sim-created.json")).json().path("message").asText())
                    .as("a re-delivered SIM/Created").isEqualTo("Event already processed: HLR: insert SIM 255010000020350");

            assertThat(connector.postEvent(sample("sim-updated.json")).status()).isEqualTo(202);
            assertThat(simulator.subscriber("255010000020349")).isEqualTo(JSON.readTree(
                    "{\"imsi\":\"255010000020349\",\"msisdn\":[\"380501234567\"],\"subscriber_status\":\"serviceGranted\","
                            + "\"cs_profile\":\"cs-pp-20250319\",\"eps_profile\":\"eps-pp-20250319\"}"));

            assertThat(connector.postEvent(sample("sim-updated-blocked.json")).status()).isEqualTo(202);
            assertThat(simulator.subscriber("255010000020349").path("subscriber_status").asText()).isEqualTo("operatorDeterminedBarring");

            assertThat(connector.postEvent(sample("sim-replaced.json")).status()).isEqualTo(202);
            assertThat(simulator.subscriber("255010000011111")).isEqualTo(JSON.readTree(
                    "{\"imsi\":\"255010000011111\",\"msisdn\":[],\"subscriber_status\":\"operatorDeterminedBarring\"}"));
            assertThat(simulator.subscriber("255010000020349").path("subscriber_status").asText()).isEqualTo("serviceGranted");

            assertThat(connector.postEvent(sample("sim-deleted.json")).status()).isEqualTo(202);
            assertThat(simulator.subscriber("255010000020350")).isNull();
            assertThat(connector.postEvent(sample("sim-deleted.json")).json().path("message").asText())
                    .as("a re-delivered SIM/Deleted").isEqualTo("Event already processed: HLR: delete SIM 255010000020350");

            HttpAnswer noImsi = connector.postEvent(sample("minimal-valid.json"));
            assertThat(noImsi.status()).isEqualTo(422);
            assertThat(noImsi.json().path("error").asText()).isEqualTo("pb_data.sim_info.imsi: is required");
        }
    }

    @Test
    void simulatorDemandsItsOwnCredentials() throws Exception {
        try (HlrSimulator simulator = HlrSimulator.start(0, "the-right-token");
             RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "hlr-hss",
                     "HLR_API_URL", simulator.baseUrl().toString(), "HLR_AUTH", "bearer", "HLR_TOKEN",
                     TestSecrets.remember("a-wrong-token-77")))) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.json().path("type").asText()).isEqualTo("authentication_error");
            assertThat(simulator.imsis()).isEmpty();
        }
    }
}
