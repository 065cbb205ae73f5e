package io.nsps.connector.http;

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
