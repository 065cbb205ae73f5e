package io.nsps.connector.server;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.ContractValidator;
import io.nsps.connector.testing.RawHttp;
import io.nsps.connector.testing.RunningConnector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Grizzly answers by itself, before Jersey sees a request, over raw sockets: protocol errors
 * and oversized headers must be {@code ErrorResponse} JSON too.
 */
final class ProtocolLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of());
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @Test
    void headersOverEightKilobytesAreABadRequestInJson() throws IOException {
        RawAnswer answer = exchange("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nX-Padding: " + "a".repeat(9000) + "\r\nContent-Length: 0\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
    }

    @Test
    void tenKilobyteTokenIsRefusedAsOversizedHeaders() throws IOException {
        RawAnswer answer = exchange("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + "t".repeat(10 * 1024)
                + "\r\nContent-Length: 0\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("message").asText()).isEqualTo("Malformed HTTP request");
    }

    @Test
    void moreThanAHundredHeadersAreABadRequestInJson() throws IOException {
        StringBuilder request = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 120; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        RawAnswer answer = exchange(request.append("\r\n").toString());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("message").asText()).isEqualTo("Malformed HTTP request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5\r\nTransfer-Encoding: chunked", "Transfer-Encoding: chunked\r\ncontent-length: 5"})
    void contentLengthWithTransferEncodingIsRefused(String framing) throws IOException {
        String body = "{\"event_id\":\"a\",\"data\":{\"event_type\":\"SIM/Updated\"}}";
        RawAnswer answer = exchange("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("type").asText()).isEqualTo("validation_error");
    }

    @Test
    void declaredLengthOverTheLimitIsRefusedWithoutReadingTheBody() throws IOException {
        RawAnswer answer = exchange("POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{");

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().path("message").asText()).isEqualTo("Request body too large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 3145728\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n300000\r\n"})
    void aSenderThatWritesAWholeBodyOverTheLimitBeforeReadingGetsThe413(String framing) {
        // 3 MiB, over this connector's 2 MiB: more than the sockets' buffers hold, so the write ends
        // only once the server has read it all. Closed before, the connection would be reset under
        // the sender's write, and the 413 lost.
        String body = "x".repeat(0x300000) + (framing.startsWith("Transfer") ? "\r\n0\r\n\r\n" : "");
        RawHttp.Answer answer = RawHttp.exchange(connector.server().port(), "POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: application/json\r\n" + framing + body);

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Connection")).hasValue("close");
        assertThat(answer.closed()).as("closed once the rest of the body was read").isTrue();
    }

    /** 413: an answer that closes the connection; 401 (no token): one that keeps it. */
    @ParameterizedTest
    @ValueSource(strings = {"413", "401"})
    void aSenderDrippingTheRestOfARefusedBodyIsCutOffAfterBodyReadTimeout(String status) throws Exception {
        String authorization = status.equals("401") ? "" : "Authorization: Bearer " + TOKEN + "\r\n";
        try (RunningConnector strict = RunningConnector.start(Map.of("BODY_READ_TIMEOUT", "1s"));
             Socket socket = new Socket("127.0.0.1", strict.server().port())) {
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /process-event HTTP/1.1\r\nHost: x\r\n" + authorization
                    + "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            boolean closed = false;
            // A byte of the rest every read timeout (100 ms), for at most 10 s: the server has to close first.
            long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!closed && System.nanoTime() < giveUp) {
                try {
                    out.write('x');
                    out.flush();
                    int n = in.read();
                    if (n < 0) {
                        closed = true;
                    } else {
                        received.write(n);
                    }
                } catch (SocketTimeoutException quiet) {
                    // nothing to read yet: drip on
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertThat(received.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 " + status);
            assertThat(closed).as("the connection closed within BODY_READ_TIMEOUT of the answer, not kept open by the drip").isTrue();
        }
    }

    @Test
    void aConnectionKeptAfterARefusedBodyArrivedWholeTakesItsNextRequestLater() throws Exception {
        Duration bodyReadTimeout = Duration.ofSeconds(1);
        try (RunningConnector strict = RunningConnector.start(Map.of("BODY_READ_TIMEOUT", "1s"));
             Socket socket = new Socket("127.0.0.1", strict.server().port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // No token: a 401 before the body, which then arrives whole, and is read and dropped.
            out.write("POST /process-event HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"a\""
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readAnswerHead(in)).startsWith("HTTP/1.1 401");
            out.write(":true}".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The next request comes after BODY_READ_TIMEOUT has passed since the answer: the bound
            // was the dropped body's, not the connection's.
            long later = System.nanoTime() + bodyReadTimeout.multipliedBy(2).toNanos();
            while (System.nanoTime() < later) {
                Thread.onSpinWait();
            }
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readAnswerHead(in)).as("the kept connection answers its next request").startsWith("HTTP/1.1 200");
            // And its heads are held to the head rules again (a header line without a colon is refused at once).
            out.write("GET /health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readAnswerHead(in)).startsWith("HTTP/1.1 400");
        }
    }

    /** Reads an answer's head and its Content-Length body; returns the head. */
    private static String readAnswerHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("an answer before the connection closed, after %s", head).isNotNegative();
            head.append((char) b);
        }
        int length = head.toString().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")).findFirst()
                .map(l -> Integer.parseInt(l.substring(15).trim())).orElse(0);
        in.readNBytes(length);
        return head.toString();
    }

    @Test
    void aConnectRequestIsRefusedAndItsConnectionClosed() {
        RawHttp.Answer answer = RawHttp.exchange(connector.server().port(), "CONNECT elsewhere.example:443 HTTP/1.1\r\n"
                + "Host: elsewhere.example:443\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.header("Allow")).hasValue("GET, HEAD, POST");
        assertThat(answer.json().path("error").asText()).isEqualTo("CONNECT is not answered: the connector is not a proxy");
        assertThat(answer.rest()).as("no answer to a request after it: Grizzly reads none").isEmpty();
        assertThat(answer.closed()).as("closed, not left open and unanswered until IDLE_TIMEOUT").isTrue();
    }

    @Test
    void absoluteFormTargetsAndOddPathsStillGetJson() throws IOException {
        RawAnswer absolute = exchange("GET http://elsewhere.example/admin HTTP/1.1\r\nHost: elsewhere.example\r\nAuthorization: Bearer "
                + TOKEN + "\r\n\r\n");
        RawAnswer dotted = exchange("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");

        // Every path takes events (EVENTS_PATH unset): a GET on one is a 405, still JSON.
        assertThat(absolute.status()).isEqualTo(405);
        assertThat(dotted.status()).isBetween(400, 405);
        assertThat(dotted.body()).startsWith("{");
    }

    private record RawAnswer(int status, String headers, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** Sends raw bytes, reads until the server closes or goes quiet, and contract-checks the body. */
    private static RawAnswer exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", connector.server().port())) {
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received.write(buffer, 0, n);
                    if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException e) {
                // whatever arrived is the answer
            }
            String text = received.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            assertThat(split).as("an HTTP answer in %s", text).isPositive();
            String head = text.substring(0, split);
            String body = text.substring(split + 4);
            int status = Integer.parseInt(head.substring(9, 12));
            String contentType = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:")).findFirst()
                    .map(l -> l.substring(13).trim()).orElse("");
            ContractValidator.validate(null, "GET", status, contentType, body);
            return new RawAnswer(status, head, body);
        }
    }

    private static boolean complete(String text) {
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return false;
        }
        for (String line : text.substring(0, split).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return text.length() - split - 4 >= Integer.parseInt(line.substring(15).trim());
            }
        }
        return false;
    }
}
