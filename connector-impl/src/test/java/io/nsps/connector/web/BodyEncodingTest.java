package io.nsps.connector.web;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RawHttp;
import io.nsps.connector.testing.RunningConnector;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An event is UTF-8 JSON (RFC 8259): any other encoding, or malformed UTF-8, is a 400, never read by
 * guessing. The media type: {@code application/json}, or none (read as JSON rather than losing the
 * event to a 415); any other is a 415.
 */
final class BodyEncodingTest {

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
    void utf16AndUtf32WithOrWithoutAByteOrderMarkAreRefused() {
        for (Charset charset : new Charset[] {StandardCharsets.UTF_16, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                Charset.forName("UTF-32")}) {
            HttpAnswer answer = post(event().getBytes(charset));

            assertThat(answer.status()).as(charset.name()).isEqualTo(400);
            assertThat(answer.json().path("error").asText()).contains("not UTF-8");
        }
    }

    @Test
    void malformedUtf8IsRefused() {
        byte[][] malformed = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xFF}, {(byte) 0xC3}};
        for (byte[] bytes : malformed) {
            HttpAnswer answer = post(withBytesInTheType(bytes));

            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.json().path("error").asText()).contains("not UTF-8");
        }
    }

    @Test
    void wellFormedUtf8BeyondAsciiIsAccepted() {
        HttpAnswer answer = post(event().replace("\"variables\":{", "\"variables\":{\"city\":\"Київ ✓ 𝄞\",")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(answer.status()).isEqualTo(202);
    }

    @Test
    void anEventWithoutContentTypeIsReadAsJsonAndAnotherTypeIs415() {
        String event = event();
        RawHttp.Answer untyped = RawHttp.exchange(connector.server().port(), "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: " + event.length() + "\r\nConnection: close\r\n\r\n" + event);
        HttpAnswer xml = connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(event)));

        assertThat(untyped.status()).isEqualTo(202);
        assertThat(xml.status()).isEqualTo(415);
    }

    private static String event() {
        return "{\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":{\"i_event\":1}}}";
    }

    private static byte[] withBytesInTheType(byte[] bytes) {
        String[] halves = event().split("SIM/", 2);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes((halves[0] + "SIM/").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(bytes);
        body.writeBytes(halves[1].getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    private static HttpAnswer post(byte[] body) {
        return connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }
}
