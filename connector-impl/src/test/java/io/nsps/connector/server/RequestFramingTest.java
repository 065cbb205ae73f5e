package io.nsps.connector.server;

import io.nsps.connector.web.RequestTracing;
import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RawHttp;
import io.nsps.connector.testing.RunningConnector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9112 framing and request-line rules, over raw sockets, where Grizzly alone is lenient: every
 * violation is a 400 {@code ErrorResponse} in JSON with {@code Connection: close}, never a 5xx
 * (which NSPS would retry for a month), never a second request smuggled in the body, and always an
 * access line.
 */
final class RequestFramingTest {

    private static final String EVENT = "{\"event_id\":\"framing-1\",\"data\":{\"event_type\":\"SIM/Updated\"}}";
    /** A body that, framed by Content-Length, hides a second request after an empty chunk. */
    private static final String SMUGGLING_BODY = "0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n";

    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of());
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "identity, chunked", "gzip, chunked", ",chunked", "xchunked", "chunked, identity", "gzip"})
    void transferEncodingWithContentLengthIsRefusedWhateverItsCodings(String codings) {
        RawHttp.Answer answer = post("Transfer-Encoding: " + codings + "\r\nContent-Length: " + SMUGGLING_BODY.length(), SMUGGLING_BODY);

        assertRefused(answer, "Transfer-Encoding and Content-Length together are ambiguous framing");
    }

    @Test
    void contentLengthBeforeOrAfterChunkedIsRefused() {
        String chunked = Integer.toHexString(EVENT.length()) + "\r\n" + EVENT + "\r\n0\r\n\r\n";

        assertRefused(post("Content-Length: 5\r\nTransfer-Encoding: chunked", chunked), "ambiguous framing");
        assertRefused(post("Transfer-Encoding: chunked\r\nContent-Length: 5", chunked), "ambiguous framing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "chunked, identity", "chunked, chunked", "identity", "deflate, chunked"})
    void transferEncodingOtherThanExactlyChunkedIsRefused(String codings) {
        RawHttp.Answer answer = post("Transfer-Encoding: " + codings, "0\r\n\r\n");

        assertRefused(answer, "Transfer-Encoding must be exactly chunked");
    }

    @Test
    void plainChunkedIsStillAccepted() {
        String chunked = Integer.toHexString(EVENT.length()) + "\r\n" + EVENT + "\r\n0\r\n\r\n";

        RawHttp.Answer answer = post("Transfer-Encoding: chunked", chunked);

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.rest()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Transfer-Encoding : chunked", "Content-Length : 5", "Content-Length\t: 5", "X Padding: a"})
    void whitespaceBeforeTheColonIsRefused(String header) {
        RawHttp.Answer answer = post(header + "\r\nContent-Length: " + SMUGGLING_BODY.length(), SMUGGLING_BODY);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.rest()).as("no second answer").isEmpty();
        assertThat(answer.closed()).isTrue();
    }

    @Test
    void repeatedOrMalformedContentLengthIsABadRequestAndHoldsNoSlot() {
        for (int i = 0; i < 150; i++) {
            RawHttp.Answer repeated = post("Content-Length: " + EVENT.length() + "\r\nContent-Length: " + EVENT.length(), EVENT);
            assertRefused(repeated, "Content-Length is given more than once");
        }
        assertThat(post("Content-Length: 12abc", EVENT).status()).isEqualTo(400);

        // MAX_CONCURRENT_EVENTS is 96: had each refusal kept its slot, this would be refused at capacity.
        assertThat(connector.postEvent(EVENT.replace("framing-1", "framing-after-150")).status()).isEqualTo(202);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%zz", "/health%", "/process-event%2", "/a%G0b", "/process-event?x=%zz", "/health?x=%", "/?a=1&b=%2"})
    void malformedPercentEncodingIsABadRequest(String target) {
        RawHttp.Answer answer = RawHttp.exchange(port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertRefused(answer, "malformed percent-encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/[", "/process-event]", "/a{b}", "/|", "/^", "/`", "/\\", "/\"", "/<x>", "/process-event/{id}"})
    void aCharacterNoUriAllowsIsABadRequestNotAnInternalError(String target) {
        RawHttp.Answer answer = RawHttp.exchange(port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertRefused(answer, "must be percent-encoded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GARBAGE\r\n\r\n", "hello world\r\n", "GET\r\nHost: x\r\n\r\n", "\r\nGET /health\r\n\r\n"})
    void aFirstLineThatIsNoRequestLineIsABadRequestAtOnce(String head) {
        // RawHttp waits a second for the first byte of an answer: Grizzly alone would wait for the idle timeout.
        assertRefused(RawHttp.exchange(port(), head), "request line");
    }

    @Test
    void controlCharactersAndCrOnlyLineEndsInTheHeadAreABadRequest() {
        assertRefused(RawHttp.exchange(port(), "GET /he\0alth HTTP/1.1\r\nHost: x\r\n\r\n"), "control character");
        assertRefused(RawHttp.exchange(port(), "GET /health HTTP/1.1\rHost: x\r\r"), "CR not followed by LF");
        assertRefused(RawHttp.exchange(port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Evil: a\u001b[31mred\r\n\r\n"), "control character");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/9.9", "FOO/1.1", "HTTP/2.0"})
    void anUnsupportedVersionIsABadRequestNotA505(String version) {
        RawHttp.Answer answer = RawHttp.exchange(port(), "GET /health " + version + "\r\nHost: x\r\n\r\n");

        assertRefused(answer, "Only HTTP/1.0 and HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Type: application/", "Content-Type: ", "Content-Type: json",
            "Content-Type: application/json\r\nContent-Type: application/json", "Content-Type: application/json; charset"})
    void malformedOrRepeatedContentTypeIsAJsonBadRequestEvenOnHealth(String contentType) {
        RawHttp.Answer health = RawHttp.exchange(port(), "GET /health HTTP/1.1\r\nHost: x\r\n" + contentType + "\r\n\r\n");
        RawHttp.Answer event = RawHttp.exchange(port(), "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN + "\r\n" + contentType + "\r\nContent-Length: " + EVENT.length() + "\r\n\r\n" + EVENT);

        assertThat(health.status()).isEqualTo(400);
        assertThat(health.json().path("error").asText()).contains("Content-Type");
        assertThat(event.status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json;", "application/json; ;charset=utf-8", "APPLICATION/JSON ; charset=\"utf-8\""})
    void aContentTypeWithAnEmptyOrQuotedParameterIsJson(String contentType) {
        String event = EVENT.replace("framing-1", "content-type-" + java.util.UUID.randomUUID());
        RawHttp.Answer answer = RawHttp.exchange(port(), "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + event.length() + "\r\n\r\n" + event);

        assertThat(answer.status()).as("RFC 9110 allows empty parameters: %s", contentType).isEqualTo(202);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2;ext=1", "-5", "FFFFFFFFFFFFFFFFFF"})
    void aMalformedChunkIsRefusedWithItsAccessLineAndNoWarningAClientCouldRepeatAtWill(String chunkSize) {
        RawHttp.Answer answer = post("Transfer-Encoding: chunked", chunkSize + "\r\n{}\r\n0\r\n\r\n");
        assertRefused(answer, "framing are malformed");

        // The selector thread finishes with one connection's failure before it reads the next
        // request: once that one is answered, a warning about the first would have been written.
        assertRefused(post("Transfer-Encoding: gzip", "{}"), "Transfer-Encoding must be exactly chunked");
        assertThat(LogCapture.json()).as("Grizzly's warning of a client's broken chunk")
                .noneMatch(line -> line.path("logger").asText().equals("org.glassfish.grizzly.filterchain.DefaultFilterChain")
                        && line.path("error").asText().contains("HttpBrokenContentException"));
    }

    @Test
    void aRequestLineOverTheLimitGetsJsonWithItsContentType() {
        RawHttp.Answer answer = RawHttp.exchange(port(), "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).contains("application/json");
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
    }

    private static void assertRefused(RawHttp.Answer answer, String why) {
        assertThat(answer.status()).as(answer.head()).isEqualTo(400);
        assertThat(answer.json().path("message").asText()).isEqualTo("Malformed HTTP request");
        assertThat(answer.json().path("error").asText()).contains(why);
        assertThat(answer.header("Connection")).contains("close");
        assertThat(answer.closed()).as("the connection is closed").isTrue();
        assertThat(answer.rest()).as("no second answer: nothing was smuggled").isEmpty();
        String requestId = answer.header(RequestTracing.TRACE_HEADER).orElseThrow();
        List<JsonNode> lines = LogCapture.forRequest(requestId);
        assertThat(lines).as("the refusal's access line").anySatisfy(line -> {
            assertThat(line.path("logger").asText()).isEqualTo("io.nsps.connector.access");
            assertThat(line.path("status").asInt()).isEqualTo(400);
            assertThat(line.path("outcome").asText()).isEqualTo(StrictHttpCodecFilter.OUTCOME);
        });
    }

    private static RawHttp.Answer post(String framing, String body) {
        return RawHttp.exchange(port(), "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n" + body);
    }

    private static int port() {
        return connector.server().port();
    }
}
