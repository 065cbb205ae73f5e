package io.nsps.connector.hlr;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The payload shapes PortaOne's NSPS guide prints (fixtures under {@code guide/}, written after it)
 * and the answers that must never cost an event, through the whole connector with {@code hlr-hss}
 * against an HLR on a real socket.
 */
final class WhatNspsSendsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OK = "{\"result\":true}";

    private MockWebServer hlr;

    @BeforeEach
    void startHlr() throws IOException {
        hlr = new MockWebServer();
        hlr.start();
    }

    @AfterEach
    void stopHlr() throws IOException {
        hlr.shutdown();
    }

    @Test
    void anUpstreamRateLimitIsA503ThatNspsRetriesWithTheUpstreamsRetryAfter() {
        hlr.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "7"));
        try (RunningConnector connector = connector(Map.of())) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.json().path("type").asText()).isEqualTo("rate_limit_error");
            assertThat(answer.header("Retry-After")).isEqualTo("7");
        }
    }

    @Test
    void anOperatorWhoseNspsRetries429CanHaveIt() {
        hlr.enqueue(new MockResponse().setResponseCode(429).setHeader("Retry-After", "7"));
        try (RunningConnector connector = connector(Map.of("UPSTREAM_RATE_LIMIT_STATUS", "429"))) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(429);
            assertThat(answer.json().path("type").asText()).isEqualTo("rate_limit_error");
        }
    }

    @Test
    void aListOfAccessPoliciesWithValuesIsReadAsOnePolicy() throws Exception {
        hlr.enqueue(ok());
        try (RunningConnector connector = connector(Map.of())) {
            assertThat(connector.postEvent(guide("access-policy-list.json")).status()).isEqualTo(202);
        }

        JsonNode sent = JSON.readTree(hlr.takeRequest(1, TimeUnit.SECONDS).getBody().readUtf8());
        // The first policy that has each attribute, and the first of its values.
        assertThat(sent.path("cs_profile").asText()).isEqualTo("cs-gold-2025");
        assertThat(sent.path("eps_profile").asText()).isEqualTo("eps-gold-2025");
        assertThat(sent.path("subscriber_status").asText()).as("bill_status active is open").isEqualTo("serviceGranted");
        assertThat(sent.path("msisdn").get(0).asText()).isEqualTo("380671112233");
    }

    @Test
    void idsPrintedAsStringsOfDigitsAreAccepted() throws Exception {
        hlr.enqueue(ok());
        try (RunningConnector connector = connector(Map.of())) {
            assertThat(connector.postEvent(guide("string-ids.json")).status()).isEqualTo(202);
        }
        assertThat(hlr.takeRequest(1, TimeUnit.SECONDS)).isNotNull();
    }

    @ParameterizedTest
    @CsvSource({"open, serviceGranted", "active, serviceGranted", "Active, serviceGranted", "suspended, operatorDeterminedBarring",
            "inactive, operatorDeterminedBarring", "terminated, operatorDeterminedBarring", "closed, operatorDeterminedBarring"})
    void everyDocumentedBillStatusIsMappedExplicitly(String billStatus, String subscriberStatus) throws Exception {
        hlr.enqueue(ok());
        try (RunningConnector connector = connector(Map.of())) {
            assertThat(connector.postEvent(withBillStatus(billStatus)).status()).isEqualTo(202);
        }
        assertThat(JSON.readTree(hlr.takeRequest(1, TimeUnit.SECONDS).getBody().readUtf8()).path("subscriber_status").asText())
                .isEqualTo(subscriberStatus);
    }

    @Test
    void anUnknownBillStatusIsRefusedNamingTheFieldAndTheValueNeverGuessed() {
        try (RunningConnector connector = connector(Map.of())) {
            HttpAnswer answer = connector.postEvent(withBillStatus("O"));

            assertThat(answer.status()).isEqualTo(422);
            assertThat(answer.json().path("error").asText()).contains("pb_data.account_info.bill_status").contains("'O'");
            assertThat(answer.json().path("details").get(0).path("field").asText()).isEqualTo("pb_data.account_info.bill_status");
        }
        assertThat(hlr.getRequestCount()).isZero();
    }

    @Test
    void theImsiPatternIsSearchedAsWtlDoesAndTheStartUpLogSaysHowItReads() throws Exception {
        hlr.enqueue(ok());
        try (RunningConnector starts = connector(Map.of("HLR_IMSI_PATTERN", "^25501"));
             RunningConnector elsewhere = connector(Map.of("HLR_IMSI_PATTERN", "^001"))) {
            assertThat(starts.postEvent(sample("sim-updated.json")).json().path("message").asText()).startsWith("HLR: update SIM");
            assertThat(elsewhere.postEvent(sample("sim-updated.json")).json().path("message").asText()).contains("outside HLR_IMSI_PATTERN");
        }
        assertThat(hlr.getRequestCount()).isEqualTo(1);
        assertThat(LogCapture.lines()).anyMatch(line -> line.contains("IMSIs matching ^25501 are provisioned"));
    }

    @Test
    void everyUpstreamCallIsOneInfoLineAndCarriesTheEventsTracingIds() throws Exception {
        hlr.enqueue(ok());
        String traceId = "trace-" + UUID.randomUUID();
        try (RunningConnector connector = connector(Map.of())) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"), "x-b3-traceid", traceId, "x-request-id", "unique-42");
            assertThat(answer.status()).isEqualTo(202);
        }

        RecordedRequest call = hlr.takeRequest(1, TimeUnit.SECONDS);
        assertThat(call.getHeader("x-b3-traceid")).isEqualTo(traceId);
        assertThat(call.getHeader("x-request-id")).isEqualTo("unique-42");
        assertThat(LogCapture.forRequest(traceId)).anySatisfy(line -> {
            assertThat(line.path("level").asText()).isEqualTo("INFO");
            assertThat(line.path("severity").asText()).isEqualTo("INFO");
            assertThat(line.path("message").asText()).matches("HLR update IMSI 255010000020349: HTTP 200 in \\d+ ms");
        });
        assertThat(LogCapture.lines()).noneMatch(line -> line.contains("HLR update") && line.contains("Authorization"));
    }

    @Test
    void aMissingSubscriberIsRetriedNotDropped() {
        hlr.enqueue(new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
                .setBody("{\"result\":false,\"error\":\"unknown subscriber\"}"));
        try (RunningConnector connector = connector(Map.of())) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.json().path("message").asText()).contains("unavailable");
        }
    }

    private static String withBillStatus(String billStatus) {
        return sample("sim-updated.json").replace("3e84c79f-ab6f-4546-8e27-0b6ab866f1fb", UUID.randomUUID().toString())
                .replace("\"bill_status\": \"open\"", "\"bill_status\": \"" + billStatus + "\"");
    }

    static String guide(String name) {
        try (InputStream in = WhatNspsSendsTest.class.getClassLoader().getResourceAsStream("guide/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A SIM/Updated of the previous SIM that failed before a replacement, and that NSPS retries after
     * it was applied, must not give the disposed SIM its service back: it is older than the replacement,
     * which changed that SIM too. With either store.
     */
    @ParameterizedTest
    @CsvSource({"memory", "postgres"})
    void anOlderEventOfAReplacedSimIsNotAppliedAfterTheReplacement(String store) throws Exception {
        Map<String, String> settings = new HashMap<>();
        if (store.equals("postgres")) {
            io.nsps.connector.testing.PostgresDatabase.assumeReachable();
            settings.putAll(io.nsps.connector.testing.PostgresDatabase.connectorSettings(io.nsps.connector.testing.PostgresDatabase.freshSchema()));
        }
        String previousImsi = "255010000011111";
        hlr.enqueue(ok());
        hlr.enqueue(ok());
        try (RunningConnector connector = connector(settings)) {
            HttpAnswer replaced = connector.postEvent(sample("sim-replaced.json").replace("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                    UUID.randomUUID().toString()));
            assertThat(replaced.status()).as(replaced.body()).isEqualTo(202);
            assertThat(hlr.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8()).contains(previousImsi).contains("operatorDeterminedBarring");
            assertThat(hlr.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8()).contains("255010000020349");

            // Its time (17:44:22.125109) is a second before the replacement's.
            String older = sample("sim-updated.json").replace("3e84c79f-ab6f-4546-8e27-0b6ab866f1fb", UUID.randomUUID().toString())
                    .replace("255010000020349", previousImsi).replace("2025-06-09T17:44:22.125109+00:00", "2025-06-09T17:44:21.125109+00:00");
            HttpAnswer late = connector.postEvent(older);

            assertThat(late.status()).as(late.body()).isEqualTo(202);
            assertThat(late.json().path("message").asText()).contains("not applied");
            assertThat(hlr.takeRequest(500, TimeUnit.MILLISECONDS)).as("no call for the older event").isNull();
        }
    }

    private static MockResponse ok() {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(OK);
    }

    private RunningConnector connector(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("HANDLERS", "hlr-hss");
        env.put("HLR_API_URL", hlr.url("/wtl/hlr/v1").toString());
        return RunningConnector.start(env);
    }
}
