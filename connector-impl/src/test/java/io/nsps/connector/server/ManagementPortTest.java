package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.ContractValidator;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RawHttp;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import io.nsps.connector.web.RequestTracing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The management port held to the events port's rules: every refusal a JSON {@code ErrorResponse}
 * (never Grizzly's HTML page or an empty body), malformed requests refused at once over raw
 * sockets, bodies of operations bounded in size and time, {@code /replay}'s body validated strictly,
 * and scrapes and probes answered while operations wait for slow bodies.
 */
final class ManagementPortTest {

    private static final String MANAGEMENT_TOKEN = TestSecrets.remember("management-port-token-7d2c91e4");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** What an answer never carries: Java's or Jackson's words, a page. */
    private static final List<String> INTERNALS = List.of("java.", "jackson", "Jackson", "fasterxml", "Exception", "StreamReadConstraints",
            "<html", "<!DOCTYPE", "grizzly", "Grizzly", "at org.", "at io.", "Source:", "REDACTED", "`");

    private static RunningConnector connector;

    @BeforeAll
    static void start() throws IOException {
        connector = RunningConnector.start(Map.of("MANAGEMENT_PORT", Integer.toString(FreePort.pick()),
                "MANAGEMENT_TOKEN", MANAGEMENT_TOKEN, "BODY_READ_TIMEOUT", "1s"));
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    static Stream<Arguments> malformedRequests() {
        String auth = "Authorization: Bearer " + MANAGEMENT_TOKEN + "\r\n";
        String replay = "POST /replay HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n";
        StringBuilder manyHeaders = new StringBuilder("GET /metrics HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 200; i++) {
            manyHeaders.append("X-H").append(i).append(": v\r\n");
        }
        return Stream.of(
                Arguments.of("an unknown version", "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n"),
                Arguments.of("CR-only line ends", "GET /metrics HTTP/1.1\rHost: x\r\r"),
                Arguments.of("a 20 KB header", "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + "a".repeat(20_000) + "\r\n\r\n"),
                Arguments.of("200 headers", manyHeaders.append("\r\n").toString()),
                Arguments.of("whitespace before the colon", "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n"),
                Arguments.of("a header line without a colon", "GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
                Arguments.of("Content-Length twice", replay + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
                Arguments.of("a 20-digit Content-Length", replay + "Content-Length: 12345678901234567890\r\n\r\n{}"),
                Arguments.of("a negative Content-Length", replay + "Content-Length: -2\r\n\r\n{}"),
                Arguments.of("a bad chunk size", replay + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
                Arguments.of("text garbage", "GARBAGE\r\n\r\n"),
                Arguments.of("binary garbage", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003garbage\r\n\r\n"),
                Arguments.of("a body that never ends", replay + "Content-Length: 100\r\n\r\n{\"event_ids\":"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void aMalformedRequestIsAJsonBadRequest(String what, String request) {
        RawHttp.Answer answer = RawHttp.exchange(managementPort(), request.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(15));

        assertThat(answer.status()).as(what + ": " + answer.head()).isIn(400, 505);
        assertThat(answer.header("Content-Type")).as(what).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertShape(answer.json(), what);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aHeaderLineWithoutAColonIsRefusedAtOnceOnBothPorts(boolean management) {
        int port = management ? managementPort() : connector.server().port();

        // RawHttp waits a second for the first byte of an answer: a connection left hanging fails here.
        RawHttp.Answer answer = RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("error").asText()).contains("colon");
        assertThat(answer.closed()).isTrue();
    }

    /**
     * The training run (Main train) tries another port on a BindException: the start must carry it,
     * and leave none of the failed start's server threads behind.
     */
    @Test
    void aTakenManagementPortFailsTheStartNamingThePortWithTheBindFailureAsCause() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> RunningConnector.start(Map.of("MANAGEMENT_PORT", Integer.toString(taken.getLocalPort()))))
                    .hasMessageContaining("MANAGEMENT_PORT " + taken.getLocalPort() + " cannot be bound on 127.0.0.1")
                    .hasMessageContaining("set MANAGEMENT_PORT to a free port, or 0 to turn the management port off")
                    .cause().isInstanceOf(IOException.class).cause().isInstanceOf(BindException.class);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(thread -> !before.contains(thread) && thread.getName().startsWith("HttpServer")).isEmpty());
    }

    @Test
    void slowOperationBodiesStarveNeitherScrapesNorProbes() throws Exception {
        try (RunningConnector slow = RunningConnector.start(Map.of("MANAGEMENT_PORT", Integer.toString(FreePort.pick()),
                "MANAGEMENT_TOKEN", MANAGEMENT_TOKEN, "BODY_READ_TIMEOUT", "60s"))) {
            URI management = slow.server().managementUri().orElseThrow();
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = new Socket("127.0.0.1", management.getPort());
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /replay HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + MANAGEMENT_TOKEN
                            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    stalled.add(socket);
                }

                HttpResponse<String> scrape = CLIENT.send(HttpRequest.newBuilder(management.resolve("/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(management.resolve("/health")).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(scrape.body()).contains("nsps_events_in_flight");
                assertThat(health.statusCode()).isEqualTo(200);
                for (Socket socket : stalled) {
                    socket.setSoTimeout(1);
                    InputStream in = socket.getInputStream();
                    assertThat(in.available()).as("the slow bodies still wait: the scrape did not wait for them").isZero();
                }
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "[null]", "[]", "\"x\"", "{}", "{\"event_ids\":\"x\"}", "{\"event_ids\":[null]}", "{\"event_ids\":[\"\"]}",
            "{\"event_ids\":[1]}", "{\"failed\":\"yes\"}", "{\"failed\":true,\"since\":\"soon\"}", "{\"failed\":true,\"since\":2}",
            "{\"failed\":true,\"since\":\"99999999d\"}",
            "{\"event_ids\":[\"a\"],\"force\":\"true\"}", "{\"event_ids\":[\"a\"],\"dry_run\":1}", "{\"event_ids\":[\"a\"],\"nope\":true}",
            "{\"event_ids\":[\"a\"],\"failed\":true}", "{\"event_ids\":[\"a\"],\"since\":\"1h\"}", "{\"event_ids\":[\"a\"]",
            "{\"event_ids\":[\"a\"],\"event_ids\":[\"b\"]}", "{\"event_ids\":[\"a\"]} trailing", ""})
    void aReplayRequestThatIsNotExactlyRightIsABadRequest(String body) throws Exception {
        HttpResponse<String> answer = replay(body, "application/json");

        assertThat(answer.statusCode()).as(body + " -> " + answer.body()).isEqualTo(400);
        assertShape(json(answer), body);
    }

    @Test
    void aReplayBodyNestedBeyondTheParsersLimitsSaysSoInItsOwnWords() throws Exception {
        HttpResponse<String> answer = replay("[".repeat(5000) + "]".repeat(5000), "application/json");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertShape(json(answer), "nesting");
    }

    @Test
    void aReplayBodyOverItsBoundOrNotJsonIsRefused() throws Exception {
        HttpResponse<String> large = replay("{\"event_ids\":[" + "\"an-event-id-of-some-length\",".repeat(3000) + "\"x\"]}", "application/json");
        HttpResponse<String> text = replay("{\"event_ids\":[\"a\"]}", "text/plain");
        HttpResponse<String> none = send(HttpRequest.newBuilder(uri("/replay")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"event_ids\":[\"a\"]}")));

        assertThat(large.statusCode()).isEqualTo(413);
        assertShape(json(large), "large");
        assertThat(text.statusCode()).isEqualTo(415);
        assertShape(json(text), "text/plain");
        assertThat(none.statusCode()).isEqualTo(415);
    }

    @Test
    void aWellFormedReplayOfAnUnknownEventIsAnsweredItemByItem() throws Exception {
        HttpResponse<String> answer = replay("{\"event_ids\":[\"never-seen\"],\"dry_run\":true,\"force\":false}", "application/json; charset=utf-8");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(json(answer).get(0).path("event_id").asText()).isEqualTo("never-seen");
        assertThat(json(answer).get(0).path("found").asBoolean(true)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/health", "/metrics", "/journal", "/replay", "/nope"})
    void aTraceIsRefusedInJsonLikeAnyOtherMethod(String path) throws Exception {
        HttpResponse<String> trace = send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .method("TRACE", HttpRequest.BodyPublishers.noBody()));

        assertThat(trace.statusCode()).isIn(404, 405);
        assertThat(trace.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertShape(json(trace), String.valueOf(trace.statusCode()));
    }

    @Test
    void errorsHaveTheEventsPortsShape() throws Exception {
        HttpResponse<String> unknown = send(HttpRequest.newBuilder(uri("/nope")));
        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.ofString("{}")));
        HttpResponse<String> noToken = send(HttpRequest.newBuilder(uri("/journal")));
        HttpResponse<String> wrongToken = send(HttpRequest.newBuilder(uri("/journal")).header("Authorization", "Bearer not-the-token-0123456789"));
        HttpResponse<String> badLimit = send(HttpRequest.newBuilder(uri("/journal?limit=lots")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN));
        HttpResponse<String> unknownParameter = send(HttpRequest.newBuilder(uri("/journal?colour=red"))
                .header("Authorization", "Bearer " + MANAGEMENT_TOKEN));

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertShape(json(unknown), "404");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, HEAD");
        assertShape(json(wrongMethod), "405");
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(json(noToken).path("type").asText()).isEqualTo("authentication_error");
        assertThat(noToken.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(json(noToken).path("message").asText()).isEqualTo("The instance's MANAGEMENT_TOKEN is required as Bearer token");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(json(wrongToken).path("message").asText()).as("a token was sent: it is not the one")
                .isEqualTo("The Bearer token is not the instance's MANAGEMENT_TOKEN");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertShape(json(badLimit), "limit");
        assertThat(unknownParameter.statusCode()).isEqualTo(400);
        assertThat(json(unknownParameter).path("error").asText()).contains("colour");
        // Raw: java.net.http will not send a malformed escape.
        for (String query : List.of("since=%zz", "since=%ff", "since=1h&since=2h", "since=99999999d")) {
            RawHttp.Answer malformed = RawHttp.exchange(managementPort(), "GET /journal?" + query + " HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + MANAGEMENT_TOKEN + "\r\nConnection: close\r\n\r\n");
            assertThat(malformed.status()).as(query).isEqualTo(400);
            assertShape(malformed.json(), query);
            assertThat(malformed.json().path("error").asText()).as(query).containsAnyOf("since", "percent-encoding");
        }
    }

    @Test
    void everyOperatorRequestHasItsAccessLineRefusalsIncludedButScrapesAndProbesHaveNone() throws Exception {
        LogCapture.attach();
        HttpResponse<String> noToken = send(HttpRequest.newBuilder(uri("/journal")).header(RequestTracing.TRACE_HEADER, "op-no-token"));
        HttpResponse<String> journal = send(HttpRequest.newBuilder(uri("/journal?limit=5")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .header(RequestTracing.TRACE_HEADER, "op-journal"));
        HttpResponse<String> replay = send(HttpRequest.newBuilder(uri("/replay")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .header("Content-Type", "application/json").header(RequestTracing.TRACE_HEADER, "op-replay")
                .POST(HttpRequest.BodyPublishers.ofString("{\"event_ids\": [\"never-seen-5c1d\"]}")));
        HttpResponse<String> scrape = send(HttpRequest.newBuilder(uri("/metrics")).header(RequestTracing.TRACE_HEADER, "op-scrape"));

        assertThat(List.of(noToken.statusCode(), journal.statusCode(), replay.statusCode(), scrape.statusCode())).containsExactly(401, 200, 200, 200);
        assertThat(journal.headers().firstValue(RequestTracing.TRACE_HEADER)).contains("op-journal");
        for (var expected : Map.of("op-no-token", List.of("/journal", 401), "op-journal", List.of("/journal", 200),
                "op-replay", List.of("/replay", 200)).entrySet()) {
            String requestId = expected.getKey();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(LogCapture.forRequest(requestId)).as(requestId).anySatisfy(line -> {
                        assertThat(line.path("logger").asText()).isEqualTo("io.nsps.connector.access");
                        assertThat(line.path("path").asText()).isEqualTo(expected.getValue().get(0));
                        assertThat(line.path("status").asInt()).isEqualTo(expected.getValue().get(1));
                        assertThat(line.path("outcome").asText()).isEqualTo(ManagementServer.OPERATION_OUTCOME);
                    }));
        }
        assertThat(LogCapture.forRequest("op-scrape")).as("a scrape writes no line").isEmpty();
        assertThat(LogCapture.lines()).as("the token is in no line").noneMatch(line -> line.contains(MANAGEMENT_TOKEN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/health"})
    void headIsAnsweredAsGetWithoutABody(String path) throws Exception {
        HttpResponse<String> get = send(HttpRequest.newBuilder(uri(path)));
        HttpResponse<String> head = send(HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
        assertThat(head.body()).isEmpty();
    }

    private static void assertShape(JsonNode answer, String what) {
        ContractValidator.validate(null, "GET", 400, "application/json", answer.toString());
        assertThat(answer.path("message").asText()).as(what).isNotBlank();
        assertThat(answer.path("error").asText()).as(what).isNotBlank();
        assertThat(answer.path("type").asText()).as(what).isNotBlank();
        for (String internal : INTERNALS) {
            assertThat(answer.toString()).as("%s: no internals in %s", what, answer).doesNotContain(internal);
        }
    }

    private static HttpResponse<String> replay(String body, String contentType) throws Exception {
        return send(HttpRequest.newBuilder(uri("/replay")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        }
        return response;
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static URI uri(String path) {
        return connector.server().managementUri().orElseThrow().resolve(path);
    }

    private static int managementPort() {
        return connector.server().managementUri().orElseThrow().getPort();
    }
}
