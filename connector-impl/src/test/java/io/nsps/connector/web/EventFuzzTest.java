package io.nsps.connector.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing (jqwik) of the event endpoint with mutated sample events: whatever the
 * mutation, the answer is never a 5xx, always a documented JSON answer (checked against the
 * OpenAPI document), and an event refused as invalid never reaches a handler.
 */
class EventFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SAMPLES = List.of("sim-updated.json", "sim-created.json", "sim-deleted.json", "sim-replaced.json",
            "minimal-valid.json", "unsupported-event-type.json");
    private static RunningConnector connector;

    @BeforeContainer
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "PROBE_EVENT_TYPES", "*"));
    }

    @AfterContainer
    static void stop() {
        connector.close();
    }

    @Property(tries = 400, seed = "20261126")
    void mutatedEventsNeverCauseAServerError(@ForAll("samples") String sample, @ForAll("mutations") int mutation, @ForAll long seed)
            throws Exception {
        String eventId = "fuzz-" + UUID.randomUUID();
        ObjectNode event = (ObjectNode) JSON.readTree(RunningConnector.sample(sample));
        event.put("event_id", eventId);
        String body = mutate(event, mutation, new Random(seed));

        HttpAnswer answer = connector.postEvent(body);

        assertThat(answer.status()).as("answer to %s", body.length() > 300 ? body.substring(0, 300) + "..." : body).isLessThan(500);
        if (answer.status() >= 400) {
            assertThat(ProbeHandlerFactory.HANDLED).as("an invalid event reached the handler").doesNotContain(eventId);
        }
    }

    /**
     * The head and the body's encoding mutated, sent as raw bytes: never a 5xx, always JSON, never a
     * second answer on the connection (nothing smuggled), and a refused event never handled.
     */
    @Property(tries = 300, seed = "20261202")
    void mutatedFramingAndEncodingNeverCauseAServerError(@ForAll("samples") String sample, @ForAll("framings") int framing,
                                                         @ForAll("encodings") int encoding, @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        String eventId = "raw-fuzz-" + UUID.randomUUID();
        ObjectNode event = (ObjectNode) JSON.readTree(RunningConnector.sample(sample));
        event.put("event_id", eventId);
        byte[] body = encode(JSON.writeValueAsString(event), encoding, random);
        byte[] request = frame(body, framing, random);

        io.nsps.connector.testing.RawHttp.Answer answer = io.nsps.connector.testing.RawHttp.exchange(connector.server().port(), request);

        assertThat(answer.status()).as("framing %d, encoding %d", framing, encoding).isLessThan(500);
        assertThat(answer.rest()).as("a second answer: a request was smuggled").isEmpty();
        if (answer.status() >= 400) {
            assertThat(ProbeHandlerFactory.HANDLED).as("a refused event reached the handler").doesNotContain(eventId);
        }
    }

    @Provide
    Arbitrary<Integer> framings() {
        return Arbitraries.integers().between(0, 9);
    }

    @Provide
    Arbitrary<Integer> encodings() {
        return Arbitraries.integers().between(0, 4);
    }

    /** The body as UTF-8, or in another encoding, or with a byte that cannot be UTF-8 at a random place. */
    private static byte[] encode(String text, int encoding, Random random) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return switch (encoding) {
            case 1 -> text.getBytes(java.nio.charset.StandardCharsets.UTF_16);
            case 2 -> text.getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
            case 3 -> insert(utf8, random.nextInt(utf8.length), new byte[] {(byte) 0xC0, (byte) 0xAF});
            case 4 -> insert(utf8, random.nextInt(utf8.length), new byte[] {(byte) (0x80 + random.nextInt(0x80))});
            default -> utf8;
        };
    }

    /** A request carrying the body, framed well or in one of the ways RFC 9112 forbids. */
    private static byte[] frame(byte[] body, int framing, Random random) {
        String auth = "Authorization: Bearer " + RunningConnector.TOKEN + "\r\n";
        String start = "POST " + connector.eventsPath() + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\n";
        String chunked = Integer.toHexString(body.length) + "\r\n";
        String smuggled = "0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        String[] codings = {"chunked", "identity, chunked", "gzip, chunked", ",chunked", "xchunked", "chunked, chunked", "gzip"};
        return switch (framing) {
            case 1 -> concat(start + "Transfer-Encoding: chunked\r\n\r\n" + chunked, body, "\r\n0\r\n\r\n");
            case 2 -> concat(start + "Transfer-Encoding: " + codings[random.nextInt(codings.length)] + "\r\nContent-Length: "
                    + (body.length + smuggled.length()) + "\r\n\r\n", body, smuggled);
            case 3 -> concat(start + "Content-Length: " + body.length + "\r\nContent-Length: " + body.length + "\r\n\r\n", body, "");
            case 4 -> concat(start + "Transfer-Encoding : chunked\r\nContent-Length: " + body.length + "\r\n\r\n", body, "");
            case 5 -> concat(start.replace("\r\n", "\r") + "Content-Length: " + body.length + "\r\r", body, "");
            case 6 -> concat(start.replace("HTTP/1.1", List.of("HTTP/9.9", "HTTP/2.0", "FOO/1.1").get(random.nextInt(3)))
                    + "Content-Length: " + body.length + "\r\n\r\n", body, "");
            case 7 -> concat(start.replace(connector.eventsPath(), List.of("/%zz", "/health%", "/a\u0000b", "/%").get(random.nextInt(4)))
                    + "Content-Length: " + body.length + "\r\n\r\n", body, "");
            case 8 -> concat(start + "X-Noise: " + (char) random.nextInt(0x20) + "\r\nContent-Length: " + body.length + "\r\n\r\n", body, "");
            case 9 -> concat(start + "Content-Length: " + List.of("-1", "1e3", "0x10", body.length + " " + body.length, "+" + body.length)
                    .get(random.nextInt(5)) + "\r\n\r\n", body, "");
            default -> concat(start + "Content-Length: " + body.length + "\r\n\r\n", body, "");
        };
    }

    private static byte[] concat(String head, byte[] body, String tail) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.writeBytes(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        bytes.writeBytes(body);
        bytes.writeBytes(tail.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return bytes.toByteArray();
    }

    private static byte[] insert(byte[] bytes, int at, byte[] inserted) {
        byte[] result = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, result, 0, at);
        System.arraycopy(inserted, 0, result, at, inserted.length);
        System.arraycopy(bytes, at, result, at + inserted.length, bytes.length - at);
        return result;
    }

    @Provide
    Arbitrary<String> samples() {
        return Arbitraries.of(SAMPLES);
    }

    @Provide
    Arbitrary<Integer> mutations() {
        return Arbitraries.integers().between(0, 7);
    }

    /** One mutation of the event; the result may be JSON or not. */
    private static String mutate(ObjectNode event, int mutation, Random random) throws Exception {
        List<JsonNode> containers = new ArrayList<>();
        collect(event, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        String text = JSON.writeValueAsString(event);
        switch (mutation) {
            case 0 -> removeOne(target, random);
            case 1 -> replaceOne(target, randomValue(random), random);
            case 2 -> {
                return text.substring(0, random.nextInt(text.length()));
            }
            case 3 -> {
                int at = random.nextInt(text.length());
                return text.substring(0, at) + (char) random.nextInt(0x80) + text.substring(at);
            }
            case 4 -> {
                int at = text.indexOf('{', 1);
                return at < 0 ? text : text.substring(0, at + 1) + "\"event_id\":\"dup\"," + text.substring(at + 1);
            }
            case 5 -> {
                // Written as text: Jackson's own writer refuses to nest this deep.
                int depth = random.nextInt(1500);
                return "{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + "," + text.substring(1);
            }
            case 6 -> {
                return "[" + text + "]";
            }
            default -> replaceOne(target, JsonNodeFactory.instance.numberNode(new java.math.BigDecimal("1e" + random.nextInt(400))), random);
        }
        return JSON.writeValueAsString(event);
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode() && !node.isEmpty()) {
            containers.add(node);
            node.forEach(child -> collect(child, containers));
        }
    }

    private static void removeOne(JsonNode container, Random random) {
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            object.remove(names.get(random.nextInt(names.size())));
        } else if (container instanceof ArrayNode array) {
            array.remove(random.nextInt(array.size()));
        }
    }

    private static void replaceOne(JsonNode container, JsonNode value, Random random) {
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            object.set(names.get(random.nextInt(names.size())), value);
        } else if (container instanceof ArrayNode array) {
            array.set(random.nextInt(array.size()), value);
        }
    }

    private static JsonNode randomValue(Random random) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (random.nextInt(7)) {
            case 0 -> nodes.nullNode();
            case 1 -> nodes.booleanNode(random.nextBoolean());
            case 2 -> nodes.numberNode(random.nextLong());
            case 3 -> nodes.numberNode(random.nextDouble() * 1e300);
            case 4 -> nodes.textNode("x".repeat(random.nextInt(5000)));
            case 5 -> nodes.arrayNode().add(random.nextInt());
            default -> nodes.objectNode().put("k", random.nextInt());
        };
    }
}
