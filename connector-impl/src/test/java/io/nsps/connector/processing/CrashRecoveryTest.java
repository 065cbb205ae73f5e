package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.ContractValidator;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.RunningConnector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The connector is SIGKILLed while the HLR call of an event is in flight, then
 * restarted on the same database; the sender's retry completes the event, and the HLR receives the
 * same full-state request again (an idempotent update: no second effect) and nothing else.
 */
final class CrashRecoveryTest {

    @Test
    void retryAfterAKillMidProvisioningCompletesWithoutADuplicateEffect() throws Exception {
        PostgresDatabase.assumeReachable();
        String schema = PostgresDatabase.freshSchema();
        MockWebServer hlr = new MockWebServer();
        try {
            hlr.enqueue(new MockResponse().setHeadersDelay(60, TimeUnit.SECONDS).setBody("{\"result\":true}"));
            hlr.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"result\":true}"));
            hlr.start();
            Map<String, String> env = new HashMap<>(Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss",
                    "HLR_API_URL", hlr.url("/wtl/hlr/v1").toString(), "HLR_TIMEOUT", "20s",
                    "STATE_STORE", "postgres", "STATE_DB_URL", PostgresDatabase.URL, "STATE_DB_USER", PostgresDatabase.USER,
                    "STATE_DB_SCHEMA", schema, "CLAIM_LEASE", "2s", "INFLIGHT_WAIT", "10s"));
            if (!PostgresDatabase.PASSWORD.isEmpty()) {
                env.put("STATE_DB_PASSWORD", PostgresDatabase.PASSWORD);
            }
            int port = FreePort.pick();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String event = RunningConnector.sample("sim-updated.json");

            RecordedRequest first;
            try (ConnectorProcess doomed = ConnectorProcess.start("serve", env, port)) {
                awaitHealthy(client, port);
                CompletableFuture<HttpResponse<String>> lost = client.sendAsync(post(port, event), HttpResponse.BodyHandlers.ofString());
                first = hlr.takeRequest(20, TimeUnit.SECONDS);
                assertThat(first).as("the HLR call is in flight").isNotNull();
                doomed.killHard();
                assertThat(lost).failsWithin(Duration.ofSeconds(10));
            }

            try (ConnectorProcess restarted = ConnectorProcess.start("serve", env, port)) {
                awaitHealthy(client, port);
                HttpResponse<String> retried = client.send(post(port, event), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> again = client.send(post(port, event), HttpResponse.BodyHandlers.ofString());

                assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
                ContractValidator.validate("/process-event", "POST", 202, "application/json", retried.body());
                assertThat(again.body()).contains("Event already processed");
            }
            RecordedRequest second = hlr.takeRequest(1, TimeUnit.SECONDS);
            assertThat(second.getBody().readUtf8()).as("the same full-state update").isEqualTo(first.getBody().readUtf8());
            assertThat(hlr.getRequestCount()).isEqualTo(2);
        } finally {
            PostgresDatabase.dropSchema(schema);
            shutdownLeavingTheHungResponse(hlr);
        }
    }

    /** The first response hangs on purpose for a minute; shutting down does not wait for it. */
    private static void shutdownLeavingTheHungResponse(MockWebServer hlr) {
        try {
            hlr.shutdown();
        } catch (java.io.IOException expected) {
            // "Gave up waiting for queue to shut down": the deliberately delayed response's thread.
        }
    }

    private static HttpRequest post(int port, String event) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/process-event"))
                .header("Authorization", "Bearer " + RunningConnector.TOKEN)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(event))
                .build();
    }

    private static void awaitHealthy(HttpClient client, int port) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

}
