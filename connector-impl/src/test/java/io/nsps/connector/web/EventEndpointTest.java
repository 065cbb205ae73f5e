package io.nsps.connector.web;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static io.nsps.connector.testing.RunningConnector.probeEvent;
import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The event endpoint on the real Grizzly server, through real HTTP; every answer is contract-checked. */
final class EventEndpointTest {

    private static final long LIMIT = 64 * 1024;
    private static final String PROBE_PASSWORD = TestSecrets.remember("probe-pass-9d2c61");
    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("MAX_BODY_BYTES", "64KiB", "PROBE_SECRET_PHRASE", PROBE_PASSWORD));
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @Test
    void healthAnswersWithoutAuthentication() {
        HttpAnswer answer = connector.get("/health");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("status").asText()).isEqualTo("ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%68ealth", "/h%65alth?x", "/%2Fhealth"})
    void onlyTheHealthPathAsWrittenIsOpen(String path) {
        HttpAnswer answer = connector.get(path);

        assertThat(answer.status()).as("%s is routed as another path than /health, so it is authenticated as one", path).isEqualTo(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sim-updated.json", "sim-updated-blocked.json", "sim-created.json", "sim-deleted.json",
            "sim-replaced.json", "minimal-valid.json"})
    void everySampleEventIsAccepted(String sample) {
        HttpAnswer answer = connector.postEvent(sample(sample));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        // Other tests post some samples too: a second delivery is acknowledged as already processed.
        assertThat(answer.json().path("message").asText()).matches("(Event already processed: )?Event SIM/\\w+ logged");
    }

    @Test
    void eventOfATypeNoHandlerTakesIsAcknowledgedAsIgnored() {
        HttpAnswer answer = connector.postEvent(sample("unsupported-event-type.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(answer.json().path("message").asText())
                .isEqualTo("Event ignored: no enabled handler takes event type Customer/Credit_Limit_Changed");
    }

    @Test
    void unknownFieldsAreIgnored() {
        String event = "{\"event_id\":\"e-unknown\",\"brand_new_field\":{\"x\":[1,2]},\"data\":{\"event_type\":\"SIM/Updated\","
                + "\"variables\":{},\"future\":true},\"pb_data\":{\"sim_info\":{\"imsi\":\"001010000020349\",\"new\":1},\"other\":null}}";

        assertThat(connector.postEvent(event).status()).isEqualTo(202);
    }

    @Test
    void missingEventIdIsRefusedNamingTheField() {
        HttpAnswer answer = connector.postEvent(sample("invalid-missing-event-id.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
        assertThat(answer.json().path("error").asText()).isEqualTo("event_id is required");
    }

    @Test
    void missingDataIsRefusedNamingTheField() {
        HttpAnswer answer = connector.postEvent(sample("invalid-missing-data.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("error").asText()).isEqualTo("data is required");
    }

    @Test
    void wrongTypesAreAllNamedAtOnce() {
        HttpAnswer answer = connector.postEvent(sample("invalid-wrong-types.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("error").asText()).isEqualTo(
                "event_id must be string, not integer; data.event_type must be string, not array; data.variables must be object, not string");
    }

    @Test
    void anEmptyEventIdIsSaidToBeEmpty() {
        HttpAnswer answer = connector.postEvent("{\"event_id\":\"\",\"data\":{\"event_type\":\"SIM/Updated\"}}");

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("error").asText()).isEqualTo("event_id is empty");
        assertThat(answer.json().path("details").get(0).path("problem").asText()).isEqualTo("is empty");
    }

    @Test
    void wrongTypeDeepInTheEnrichmentIsNamedByItsPath() {
        String event = "{\"event_id\":\"e1\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"account_info\":{\"i_account\":\"x\","
                + "\"blocked\":\"yes\"}}}";

        HttpAnswer answer = connector.postEvent(event);

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("error").asText())
                .contains("pb_data.account_info.i_account must be a whole number")
                .contains("pb_data.account_info.blocked must be boolean or null, not string");
    }

    @Test
    void truncatedJsonIsABadRequest() {
        HttpAnswer answer = connector.postEvent(sample("invalid-truncated.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
        assertThat(answer.json().path("error").asText()).startsWith("Request body is not valid JSON").contains("line 1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|Request body is empty",
            "'   '|Request body is empty",
            "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\"}} trailing|Request body is not valid JSON",
            "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":NaN}}}|Request body is not valid JSON",
            "{\"event_id\":\"a\",\"event_id\":\"b\",\"data\":{\"event_type\":\"SIM/Updated\"}}|Duplicate field 'event_id'",
            "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":[{\"k\":1,\"k\":2}]}}}|Duplicate field 'k' at line 1",
            "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":1e1000000}}}|number out of range",
            "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":[0.5,-1.5e400]}}}|number out of range",
            "{\"event_id\":\"a\",\"pb_data\":{\"full_vd_counter_info\":[{\"remaining\":1e309}]},\"data\":{\"event_type\":\"SIM/Updated\"}}|number out of range",
            "[1,2,3]|$ must be object, not array",
    })
    void malformedBodiesAreRefusedWithoutClassNames(String body, String expected) {
        HttpAnswer answer = connector.postEvent(body);

        assertThat(answer.status()).isIn(400, 422);
        assertThat(answer.json().path("error").asText()).contains(expected).doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z]");
        assertThat(answer.body()).doesNotContain("jackson").doesNotContain("java.").doesNotContain("Exception");
    }

    @Test
    void byteOrderMarkIsRefused() {
        HttpAnswer answer = connector.postEvent("\uFEFF" + sample("minimal-valid.json"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().path("error").asText()).contains("byte order mark");
    }

    @ParameterizedTest
    @ValueSource(ints = {1001, 5000})
    void deepNestingIsRefused(int depth) {
        String nested = "[".repeat(depth) + "]".repeat(depth);
        String event = "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":" + nested + "}}}";

        HttpAnswer answer = connector.postEvent(event);

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().path("error").asText()).contains("exceeds the JSON limits");
    }

    @Test
    void hugeNumbersAndNamesAreRefused() {
        String longNumber = "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"x\":" + "9".repeat(1001) + "}}}";
        String longName = "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"" + "n".repeat(60_000) + "\":1}}}";

        assertThat(connector.postEvent(longNumber).status()).isEqualTo(400);
        assertThat(connector.postEvent(longName).status()).isEqualTo(400);
    }

    @Test
    void identifierBeyondSixtyFourBitsIsAValidationError() {
        String event = "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"account_info\":{\"i_account\":"
                + "99999999999999999999999}}}";

        HttpAnswer answer = connector.postEvent(event);

        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("error").asText()).contains("pb_data.account_info.i_account");
    }

    @Test
    void bodyAtTheLimitIsAcceptedAndOneByteMoreIsRefused() {
        String atLimit = paddedEvent(LIMIT);
        String overLimit = paddedEvent(LIMIT + 1);

        assertThat(connector.postEvent(atLimit).status()).isEqualTo(202);
        HttpAnswer refused = connector.postEvent(overLimit);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.json().path("error").asText()).isEqualTo("The body exceeds the limit of 65536 bytes");
    }

    @Test
    void chunkedBodyOverTheLimitIsRefused() {
        byte[] overLimit = paddedEvent(LIMIT + 1).getBytes(StandardCharsets.UTF_8);
        byte[] atLimit = paddedEvent(LIMIT).getBytes(StandardCharsets.UTF_8);

        HttpAnswer refused = connector.send(chunkedPost(overLimit));
        HttpAnswer accepted = connector.send(chunkedPost(atLimit));

        assertThat(refused.status()).isEqualTo(413);
        assertThat(accepted.status()).isEqualTo(202);
    }

    @Test
    void compressedBodyIsRefusedWithoutInflating() throws Exception {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(new byte[10 * 1024 * 1024]);
        }

        HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())));

        assertThat(answer.status()).as(answer.body()).isEqualTo(415);
        assertThat(answer.json().path("error").asText()).contains("Content-Encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded"})
    void nonJsonContentTypeIsRefused(String contentType) {
        HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(sample("minimal-valid.json"))));

        assertThat(answer.status()).as(answer.body()).isEqualTo(415);
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
    }

    @Test
    void jsonIsAnsweredEvenWhenHtmlIsAskedFor() {
        HttpAnswer answer = connector.postEvent(sample("minimal-valid.json"), "Accept", "text/html");
        HttpAnswer error = connector.postEvent("{", "Accept", "text/html");

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(error.status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void wrongMethodIsRefusedWithAllow(String method) {
        HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(405);
        assertThat(answer.header("Allow")).isEqualTo("POST");
        assertThat(answer.json().path("message").asText())
                .isEqualTo("Method not allowed: this path answers " + answer.header("Allow")
                        + "; events are posted to any path but /health; GET /health answers health checks");
        assertThat(answer.json().path("error").asText()).isEqualTo("Method not allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/process-event", "/health"})
    void optionsIsRefusedAsAnyMethodOutsideTheContractIs(String path) {
        HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(path))
                .header("Authorization", "Bearer " + TOKEN)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(405);
        String allow = path.equals("/health") ? "GET" : "POST";
        assertThat(answer.header("Allow")).isEqualTo(allow);
        assertThat(answer.json().path("message").asText()).startsWith("Method not allowed: this path answers " + allow + "; ");
    }

    @Test
    void anyOtherPathTakesOnlyEvents() {
        // EVENTS_PATH unset: every path but /health is the events endpoint (EventsPathTest).
        HttpAnswer answer = connector.get("/no/such/path", "Authorization", "Bearer " + TOKEN);

        assertThat(answer.status()).as(answer.body()).isEqualTo(405);
        assertThat(answer.header("Allow")).contains("POST");
    }

    @Test
    void handlerCrashIsAnInternalErrorWithACorrelationIdAndNothingElse() {
        String requestId = "crash-" + UUID.randomUUID();
        HttpAnswer answer = connector.postEvent(probeEvent("e-crash", "crash"), "x-b3-traceid", requestId);

        assertThat(answer.status()).as(answer.body()).isEqualTo(500);
        assertThat(answer.json().path("type").asText()).isEqualTo("internal_error");
        String correlationId = answer.header("x-correlation-id");
        assertThat(correlationId).isNotBlank();
        assertThat(answer.json().path("message").asText()).contains(correlationId);
        assertThat(answer.body()).doesNotContain("IllegalStateException").doesNotContain("probe crashed").doesNotContain(PROBE_PASSWORD);
        List<JsonNode> lines = LogCapture.forRequest(requestId);
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.path("message").asText()).contains(correlationId);
            assertThat(line.path("level").asText()).isEqualTo("ERROR");
            assertThat(line.path("error").asText()).contains("probe crashed").contains("****").doesNotContain(PROBE_PASSWORD);
        });
    }

    @ParameterizedTest
    @CsvSource({
            "invalid, 422, validation_error, ",
            "not_found, 404, validation_error, ",
            "auth, 500, authentication_error, ",
            "rate_limit, 503, rate_limit_error, 7",
            "upstream_error, 500, service_error, ",
            "unavailable, 503, connection_error, 30",
    })
    void handlerFailuresBecomeTheirStatuses(String behaviour, int status, String type, String retryAfter) {
        HttpAnswer answer = connector.postEvent(probeEvent("e-" + behaviour, behaviour));

        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.json().path("type").asText()).isEqualTo(type);
        assertThat(answer.json().path("message").asText()).contains("probe");
        assertThat(answer.header("Retry-After")).isEqualTo(retryAfter);
    }

    @Test
    void invalidForTheHandlerNamesTheField() {
        HttpAnswer answer = connector.postEvent(probeEvent("e-invalid-field", "invalid"));

        assertThat(answer.json().path("error").asText()).isEqualTo("pb_data.sim_info.imsi: is required");
    }

    @Test
    void ignoredByTheHandlerIsAccepted() {
        HttpAnswer answer = connector.postEvent(probeEvent("e-ignore", "ignore"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(answer.json().path("message").asText()).isEqualTo("probe ignores this one");
    }

    @Test
    void eventReachesTheHandlerDeclaringItsType() {
        String eventId = "reach-" + UUID.randomUUID();

        HttpAnswer answer = connector.postEvent(probeEvent(eventId, "ok"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(answer.json().path("message").asText()).isEqualTo("probe processed Probe/Test");
        assertThat(ProbeHandlerFactory.HANDLED).contains(eventId);
    }

    @Test
    void tracingIdsAreEchoedAndOnEveryLogLineOfTheRequest() {
        String traceId = "trace-" + UUID.randomUUID();
        String requestId = "req-" + UUID.randomUUID();

        HttpAnswer answer = connector.postEvent(probeEvent("e-trace", "ok"), "x-b3-traceid", traceId, "x-request-id", requestId);

        assertThat(answer.header("x-b3-traceid")).isEqualTo(traceId);
        assertThat(answer.header("x-request-id")).isEqualTo(requestId);
        List<JsonNode> lines = LogCapture.forRequest(traceId);
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2).allSatisfy(line -> {
            assertThat(line.path("unique_id").asText()).isEqualTo(requestId);
            assertThat(line.path("event_id").asText()).isEqualTo("e-trace");
        });
        assertThat(lines).anySatisfy(line -> assertThat(line.path("message").asText()).startsWith("probe handling e-trace"));
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.path("logger").asText()).isEqualTo("io.nsps.connector.access");
            assertThat(line.path("method").asText()).isEqualTo("POST");
            assertThat(line.path("path").asText()).isEqualTo("/process-event");
            assertThat(line.path("status").asInt()).isEqualTo(202);
            assertThat(line.path("duration_ms").isNumber()).isTrue();
            assertThat(line.path("event_type").asText()).isEqualTo("Probe/Test");
            assertThat(line.path("handler").asText()).isEqualTo("probe");
            assertThat(line.path("outcome").asText()).isEqualTo("processed");
        });
    }

    @Test
    void absentTracingIdsAreGeneratedAsUuids() {
        HttpAnswer answer = connector.postEvent(sample("minimal-valid.json"));

        assertThat(UUID.fromString(answer.header("x-b3-traceid"))).isNotNull();
        assertThat(UUID.fromString(answer.header("x-request-id"))).isNotNull();
        assertThat(LogCapture.forRequest(answer.header("x-b3-traceid"))).isNotEmpty()
                .allSatisfy(line -> assertThat(line.path("unique_id").asText()).isEqualTo(answer.header("x-request-id")));
    }

    @Test
    void unusableTracingIdsAreReplaced() {
        HttpAnswer answer = connector.postEvent(sample("minimal-valid.json"), "x-b3-traceid", "x".repeat(500), "x-request-id", "a b");

        assertThat(UUID.fromString(answer.header("x-b3-traceid"))).isNotNull();
        assertThat(UUID.fromString(answer.header("x-request-id"))).isNotNull();
    }

    @Test
    void noSecretEverReachesALogLine() {
        connector.postEvent(probeEvent("e-secret", "crash"));
        connector.postEvent(probeEvent("e-secret-ok", "ok"));

        assertThat(LogCapture.lines()).isNotEmpty().noneSatisfy(line -> assertThat(line).contains(TOKEN))
                .noneSatisfy(line -> assertThat(line).contains(PROBE_PASSWORD));
    }

    /** A valid event padded with an unknown field to exactly {@code size} bytes. */
    static String paddedEvent(long size) {
        String head = "{\"event_id\":\"padded\",\"data\":{\"event_type\":\"SIM/Updated\"},\"padding\":\"";
        String tail = "\"}";
        return head + "p".repeat((int) (size - head.length() - tail.length())) + tail;
    }

    private static HttpRequest.Builder chunkedPost(byte[] body) {
        return HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
    }
}
