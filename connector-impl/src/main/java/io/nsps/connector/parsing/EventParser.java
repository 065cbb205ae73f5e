package io.nsps.connector.parsing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.FieldProblem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a request body into an {@link Event}, or into the exact reason it cannot be one:
 *
 * <ul>
 *   <li>not UTF-8 JSON at all (empty, truncated, trailing garbage, a byte order mark, NaN, duplicate
 *       keys, beyond the parser's limits on nesting, number length or name length, a number that
 *       overflows a double) -> {@link EventRejectedException.Kind#MALFORMED};</li>
 *   <li>JSON that violates the {@code Event} schema of the OpenAPI document ->
 *       {@link EventRejectedException.Kind#INVALID}, naming every offending field by its JSON path.</li>
 * </ul>
 *
 * Messages are built here, never copied from an exception, so no class name reaches a client.
 * Thread-safe.
 */
public final class EventParser {

    private static final int MAX_REPORTED_PROBLEMS = 20;
    /** Packaged by api-spec. */
    private static final String WARM_UP_SAMPLE = "examples/events/sim-updated.json";
    private static final Pattern TYPE_MISMATCH = Pattern.compile("(\\w+) found, (\\w+|\\[[\\w, ]+]) expected");
    /** A location as Jackson writes it into a message, with its source description. */
    private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
    /** The start of Jackson's message for a repeated key; the rest names its own classes and features. */
    private static final Pattern DUPLICATE_KEY = Pattern.compile("Duplicate field '[^']{0,200}'");

    private final ObjectMapper mapper;
    /**
     * Reads the body into a tree: the mapper's factory settings without the parser's duplicate-key
     * detector (a repeated key fails as the tree is built), and a node factory that refuses numbers
     * beyond a double as it parses.
     */
    private final ObjectReader treeReader;
    private final JsonSchema eventSchema;

    public EventParser(ObjectMapper mapper) {
        this.mapper = mapper;
        // A repeated key is found as the tree is built (adding it to its object returns the value it
        // replaced) instead of by the parser's detector, which keeps a hash set of every object's
        // names (docs/performance.md).
        // Its own mapper: a reader-level switch would not do, as the parser's root context gets its
        // detector from the factory before the reader's features apply. Same limits as the mapper's.
        JsonFactory withoutDetector = mapper.getFactory().rebuild().disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        this.treeReader = JsonMapper.builder(withoutDetector)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build()
                .reader().with(new FiniteNumberNodeFactory());
        this.eventSchema = OpenApiDocument.componentSchema("Event");
    }

    /**
     * Parses the bundled sample event once and returns this parser: loads the schema's validators
     * and builds the models' deserializers now, so the first event NSPS sends does not wait for them.
     */
    public EventParser warmedUp() {
        try (InputStream sample = EventParser.class.getClassLoader().getResourceAsStream(WARM_UP_SAMPLE)) {
            if (sample != null) {
                parse(sample.readAllBytes());
            }
        } catch (IOException | EventRejectedException e) {
            // Only a warm-up: a sample that does not parse changes nothing for real events.
        }
        return this;
    }

    public Event parse(byte[] body) {
        JsonNode tree = readTree(body);
        Map<String, Set<String>> problems = schemaProblems(tree);
        if (!problems.isEmpty()) {
            throw validationFailed(problems, tree);
        }
        normalise(tree);
        try {
            return mapper.treeToValue(tree, Event.class);
        } catch (JsonMappingException e) {
            // The schema allowed it, the model did not (e.g. a number beyond 64 bits).
            throw validationFailed(Map.of(pathOf(e), Set.of("has a value out of range")), tree);
        } catch (JsonProcessingException e) {
            throw validationFailed(Map.of("$", Set.of("cannot be read as an event")), tree);
        }
    }

    /**
     * The shapes PortaOne's guide prints, brought to the one model handlers see: a list of access
     * policies becomes one (the first one's id and name, the attributes of every policy in order, so
     * that an attribute read by name is the first policy's that has it); an attribute with
     * {@code values} but no {@code value} gets them as its value, comma-separated.
     */
    private static void normalise(JsonNode tree) {
        if (!(tree.get("pb_data") instanceof ObjectNode pb)) {
            return;
        }
        if (pb.get("access_policy_info") instanceof ArrayNode policies) {
            pb.set("access_policy_info", merged(policies));
        }
        if (pb.get("access_policy_info") instanceof ObjectNode policy && policy.get("attributes") instanceof ArrayNode attributes) {
            for (JsonNode attribute : attributes) {
                if (attribute instanceof ObjectNode each && (each.path("value").isMissingNode() || each.path("value").isNull())
                        && each.get("values") instanceof ArrayNode values && !values.isEmpty()) {
                    List<String> texts = new ArrayList<>();
                    values.forEach(value -> texts.add(value.asText()));
                    each.put("value", String.join(",", texts));
                }
            }
        }
    }

    private static JsonNode merged(ArrayNode policies) {
        if (policies.isEmpty()) {
            return policies.nullNode();
        }
        ObjectNode merged = ((ObjectNode) policies.get(0)).deepCopy();
        ArrayNode attributes = merged.putArray("attributes");
        for (JsonNode policy : policies) {
            if (policy.get("attributes") instanceof ArrayNode each) {
                attributes.addAll(each);
            }
        }
        return merged;
    }

    /**
     * A body read as strict JSON with the same checks and limits as an event's (UTF-8 without a
     * byte order mark, no duplicate keys, no trailing tokens, the parser's bounds), for the other
     * JSON the connector takes (the management port's requests).
     *
     * @throws EventRejectedException ({@link EventRejectedException.Kind#MALFORMED}) saying what is wrong, in words of its own
     */
    public JsonNode readJson(byte[] body) {
        return readTree(body);
    }

    private JsonNode readTree(byte[] body) {
        if (isBlank(body)) {
            throw badJson("Request body is empty");
        }
        if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            throw badJson("Request body starts with a byte order mark; send UTF-8 JSON without one");
        }
        if (!isUtf8(body)) {
            // Jackson would guess UTF-16 or UTF-32 from the first bytes, and reads overlong UTF-8.
            throw badJson("Request body is not UTF-8 (RFC 8259: JSON is exchanged in UTF-8)");
        }
        JsonNode tree;
        try {
            tree = treeReader.readTree(body);
        } catch (FiniteNumberNodeFactory.NonFiniteNumberException e) {
            throw badJson("Request body holds a number out of range");
        } catch (MismatchedInputException e) {
            Matcher duplicate = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
            throw badJson("Request body is not valid JSON: "
                    + (duplicate.lookingAt() ? duplicate.group() + location(e) : describe(e)));
        } catch (StreamConstraintsException e) {
            throw badJson("Request body exceeds the JSON limits (nesting depth 1000, number length 1000, name length 50000)");
        } catch (JsonProcessingException e) {
            throw badJson("Request body is not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw badJson("Request body cannot be read as JSON");
        }
        if (tree == null || tree.isMissingNode()) {
            throw badJson("Request body is empty");
        }
        return tree;
    }

    /** The schema's own limit that a value broke (networknt's first message argument), as text. */
    private static String argument(ValidationMessage message) {
        Object[] arguments = message.getArguments();
        return arguments == null || arguments.length == 0 ? "?" : String.valueOf(arguments[0]);
    }

    private Map<String, Set<String>> schemaProblems(JsonNode tree) {
        Set<ValidationMessage> messages = eventSchema.validate(tree);
        Map<String, Set<String>> problems = new LinkedHashMap<>();
        Map<String, Set<String>> typeFound = new LinkedHashMap<>();
        Map<String, Set<String>> typeExpected = new LinkedHashMap<>();
        for (ValidationMessage message : messages) {
            String location = jsonPath(message.getInstanceLocation().toString());
            switch (message.getType()) {
                case "required" -> problems.computeIfAbsent(join(location, message.getProperty()), k -> new LinkedHashSet<>())
                        .add("is required");
                case "type" -> {
                    var matcher = TYPE_MISMATCH.matcher(message.getMessage());
                    if (matcher.find()) {
                        typeFound.computeIfAbsent(location, k -> new LinkedHashSet<>()).add(matcher.group(1));
                        // One type ("string"), or a type list ("[string, null]").
                        typeExpected.computeIfAbsent(location, k -> new LinkedHashSet<>())
                                .addAll(List.of(matcher.group(2).replaceAll("[\\[\\]]", "").split(", ")));
                    } else {
                        problems.computeIfAbsent(location, k -> new LinkedHashSet<>()).add("has the wrong type");
                    }
                }
                case "anyOf", "oneOf", "allOf" -> problems.computeIfAbsent(location, k -> new LinkedHashSet<>());
                case "pattern" -> problems.computeIfAbsent(location, k -> new LinkedHashSet<>())
                        .add(message.getMessage().contains(OpenApiDocument.DIGITS) ? "must be a whole number" : "does not have the expected form");
                case "minLength" -> problems.computeIfAbsent(location, k -> new LinkedHashSet<>())
                        .add("1".equals(argument(message)) ? "is empty" : "must have at least " + argument(message) + " characters");
                case "maxLength" -> problems.computeIfAbsent(location, k -> new LinkedHashSet<>())
                        .add("must have at most " + argument(message) + " characters");
                default -> problems.computeIfAbsent(location, k -> new LinkedHashSet<>()).add("is not valid");
            }
        }
        Set<String> located = new LinkedHashSet<>(problems.keySet());
        located.addAll(typeExpected.keySet());
        typeExpected.forEach((location, expected) -> {
            // A nullable object (anyOf: [object, null]) whose object branch failed deeper down also
            // fails its null branch: that half says nothing the deeper problems do not.
            boolean onlyTheNullBranch = expected.equals(Set.of("null")) && located.stream()
                    .anyMatch(other -> !other.equals(location) && (location.equals("$") || other.startsWith(location + ".")));
            if (!onlyTheNullBranch) {
                problems.computeIfAbsent(location, k -> new LinkedHashSet<>())
                        .add("must be " + String.join(" or ", expected) + ", not " + String.join(" or ", typeFound.get(location)));
            }
        });
        problems.values().removeIf(Set::isEmpty);
        return problems;
    }

    /** Against the schema: every problem, and the event's id and type as far as the JSON gives them (for its journal entry). */
    private static EventRejectedException validationFailed(Map<String, Set<String>> problems, JsonNode tree) {
        StringBuilder error = new StringBuilder();
        List<FieldProblem> details = new ArrayList<>();
        int reported = 0;
        for (Map.Entry<String, Set<String>> problem : problems.entrySet()) {
            if (reported++ == MAX_REPORTED_PROBLEMS) {
                error.append("; and ").append(problems.size() - MAX_REPORTED_PROBLEMS).append(" more");
                break;
            }
            if (error.length() > 0) {
                error.append("; ");
            }
            String what = String.join(" and ", problem.getValue());
            error.append(problem.getKey()).append(' ').append(what);
            details.add(new FieldProblem(problem.getKey(), what));
        }
        JsonNode id = tree.path("event_id");
        JsonNode type = tree.path("data").path("event_type");
        return new EventRejectedException(EventRejectedException.Kind.INVALID, "Validation failed", error.toString(), details,
                id.isTextual() ? id.asText() : null, type.isTextual() ? type.asText() : null);
    }

    private static EventRejectedException badJson(String error) {
        return new EventRejectedException(EventRejectedException.Kind.MALFORMED, "Malformed request body", error, List.of());
    }

    /** The parser's own wording without its source excerpt, plus where it happened. */
    private static String describe(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        String firstLine = original.lines().findFirst().orElse("syntax error");
        // Jackson names Java types and its own features in back-ticks in some messages, and quotes
        // its source description in locations ("[Source: REDACTED (`StreamReadFeature...` disabled); line: 1,
        // column: 1]"): never pass one on.
        firstLine = SOURCE_LOCATION.matcher(firstLine).replaceAll("line $1, column $2");
        firstLine = firstLine.replaceAll("`[^`]*`", "value").replaceAll("\\(code \\d+\\)", "").trim();
        if (firstLine.length() > 160) {
            firstLine = firstLine.substring(0, 160) + "...";
        }
        return firstLine + location(e);
    }

    private static String location(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        return location != null && location.getLineNr() > 0 ? " at line " + location.getLineNr() + ", column " + location.getColumnNr() : "";
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "$" : path.toString();
    }

    /** "$.data.event_type" -> "data.event_type"; "$" stays for the document itself. */
    private static String jsonPath(String networkntPath) {
        if (networkntPath.equals("$")) {
            return "$";
        }
        String path = networkntPath.startsWith("$.") ? networkntPath.substring(2) : networkntPath.substring(1);
        return path.replaceAll("\\['([^']*)'\\]", ".$1").replaceAll("^\\.", "");
    }

    private static String join(String parent, String property) {
        return parent.equals("$") ? property : parent + "." + property;
    }

    /**
     * Well-formed UTF-8 without NUL (a NUL byte is not JSON, and is how UTF-16 and UTF-32 text
     * looks). ASCII, the usual case, is checked byte by byte; from the first other byte on, the
     * JDK's strict decoder decides (it refuses overlong forms and encoded surrogates), in a
     * fixed-size buffer whatever the body's size.
     */
    private static boolean isUtf8(byte[] body) {
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                return false;
            }
            if (body[i] < 0) {
                CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
                ByteBuffer in = ByteBuffer.wrap(body, i, body.length - i);
                CharBuffer out = CharBuffer.allocate(4096);
                while (true) {
                    CoderResult result = decoder.decode(in, out, true);
                    if (result.isError()) {
                        return false;
                    }
                    for (int k = 0; k < out.position(); k++) {
                        if (out.get(k) == 0) {
                            return false;
                        }
                    }
                    out.clear();
                    if (result.isUnderflow()) {
                        return !decoder.flush(out).isError();
                    }
                }
            }
        }
        return true;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
