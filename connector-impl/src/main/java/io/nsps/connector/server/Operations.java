package io.nsps.connector.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.logging.LoggingSetup;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.parsing.EventRejectedException;
import io.nsps.connector.processing.EventIdentity;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.state.Journal;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StoredText;
import io.nsps.connector.web.Answers;
import io.nsps.connector.web.RequestTracing;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What the operator's commands ask of a running instance over the management port: the journal of
 * deliveries, and the replay of stored events through the same processor as live traffic (so a
 * replay takes the same claims and subscriber locks). JSON in, JSON out.
 */
final class Operations {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
    /** Most entries one journal query returns; most events one replay runs. */
    static final int MAX_ENTRIES = Journal.MAX_LIMIT;

    private final StateStore store;
    private final EventProcessor processor;
    private final Supplier<EventParser> parser;
    private final Answers answers;
    private final ObjectMapper mapper;
    private final Clock clock;

    private final ConnectorMetrics metrics;
    /** JOURNAL_BODY_RETENTION: a body older than this is never replayed, purged or not. */
    private final Duration bodyRetention;

    Operations(StateStore store, EventProcessor processor, Supplier<EventParser> parser, Answers answers, ObjectMapper mapper, Clock clock,
               ConnectorMetrics metrics, Duration bodyRetention) {
        this.metrics = metrics;
        this.bodyRetention = bodyRetention;
        this.store = store;
        this.processor = processor;
        this.parser = parser;
        this.answers = answers;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** A request refused: its status, the answer's message and its error (the sentence saying why). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String error;

        Refused(int status, String message, String error) {
            super(message, null, false, false);
            this.status = status;
            this.error = error;
        }

        int status() {
            return status;
        }

        String error() {
            return error;
        }

        static Refused badRequest(String error) {
            return new Refused(400, "Invalid request", error);
        }
    }

    /** The journal query's parameters; any other is refused. */
    private static final Set<String> JOURNAL_PARAMETERS = Set.of("failed", "subscriber", "event_id", "since", "limit");
    /** A replay request's fields; any other is refused. */
    private static final Set<String> REPLAY_FIELDS = Set.of("event_ids", "failed", "since", "force", "dry_run");

    /** A replay request, validated: the events by id, or those whose last delivery failed (within {@code since}). */
    record ReplayRequest(List<String> eventIds, boolean failed, Duration since, boolean force, boolean dryRun) {
    }

    /**
     * The journal's entries, the newest first, for the request's query string as it came (null or
     * empty: none): {@code failed=true}, {@code subscriber}, {@code event_id}, {@code since} (a
     * duration back from now: {@code 2h}), {@code limit} (100 by default). Each name and value is
     * percent-decoded as UTF-8, strictly, so that a parameter malformed in itself ({@code since=%zz})
     * is refused naming it rather than dropped and the query answered without it.
     *
     * @throws Refused a parameter malformed, given twice, unknown or not of its form
     */
    ArrayNode journal(String rawQuery) {
        ArrayNode entries = mapper.createArrayNode();
        for (Journal.Entry entry : store.journal(query(queryParameters(rawQuery)))) {
            entries.add(json(entry));
        }
        return entries;
    }

    /** A query string's parameters, strictly decoded; {@code +} is a space, as in a form. */
    static Map<String, String> queryParameters(String rawQuery) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decodeQueryPart(equals < 0 ? pair : pair.substring(0, equals), null);
            String value = equals < 0 ? "" : decodeQueryPart(pair.substring(equals + 1), name);
            if (parameters.putIfAbsent(name, value) != null) {
                throw Refused.badRequest("The query parameter '" + LogText.bounded(name) + "' is given more than once");
            }
        }
        return parameters;
    }

    /** One name or value of a query; {@code parameter} names the value's parameter in the refusal (null: a name). */
    private static String decodeQueryPart(String encoded, String parameter) {
        String what = parameter == null ? "A query parameter's name" : "The query parameter '" + LogText.bounded(parameter) + "'";
        ByteBuffer bytes = ByteBuffer.allocate(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                int high = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(encoded.charAt(i + 2), 16);
                if (low < 0) {
                    throw Refused.badRequest(what + " is malformed: a % must be followed by two hexadecimal digits");
                }
                bytes.put((byte) (high << 4 | low));
                i += 2;
            } else if (c > 0x7e || c < 0x21) {
                throw Refused.badRequest(what + " is malformed: it holds a character that must be percent-encoded");
            } else {
                bytes.put(c == '+' ? (byte) ' ' : (byte) c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw Refused.badRequest(what + " is malformed: its percent-encoding is not UTF-8");
        }
    }

    /**
     * Runs stored events again: {@code {"event_ids": [...]}} or {@code {"failed": true, "since": "2h"}}
     * (the events whose last delivery in that window did not end done), with {@code "dry_run"} (say
     * what would run) and {@code "force"} (apply an event older than its subscriber's last one).
     *
     * @param body the request's body: strict JSON ({@link EventParser#readJson}) of exactly that form
     * @throws Refused a body that is not exactly that
     */
    ArrayNode replay(byte[] body) {
        JsonNode tree;
        try {
            tree = parser.get().readJson(body);
        } catch (EventRejectedException e) {
            throw new Refused(400, "Malformed request body", e.error());
        }
        return replay(replayRequest(tree));
    }

    /** The replay request a JSON body says, every field checked. */
    static ReplayRequest replayRequest(JsonNode body) {
        if (!(body instanceof ObjectNode request)) {
            throw Refused.badRequest("The body must be a JSON object: {\"event_ids\": [\"...\"]} or {\"failed\": true, \"since\": \"2h\"}");
        }
        for (java.util.Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REPLAY_FIELDS.contains(name)) {
                throw Refused.badRequest("Unknown field '" + LogText.bounded(name) + "'; the fields are event_ids, failed, since, force, dry_run");
            }
        }
        List<String> ids = new java.util.ArrayList<>();
        JsonNode given = request.get("event_ids");
        if (given != null) {
            if (!given.isArray()) {
                throw Refused.badRequest("event_ids must be a list of event ids");
            }
            if (given.size() > MAX_ENTRIES) {
                throw Refused.badRequest("event_ids holds more than " + MAX_ENTRIES + " ids");
            }
            for (int i = 0; i < given.size(); i++) {
                if (!given.get(i).isTextual() || given.get(i).asText().isEmpty()) {
                    throw Refused.badRequest("event_ids[" + i + "] must be a non-empty string");
                }
                ids.add(given.get(i).asText());
            }
        }
        boolean failed = flag(request, "failed");
        Duration since = null;
        if (request.has("since")) {
            if (!request.get("since").isTextual()) {
                throw Refused.badRequest("since must be a duration such as \"2h\"");
            }
            try {
                since = Journal.parseSince(request.get("since").asText());
            } catch (IllegalArgumentException e) {
                throw Refused.badRequest("since: " + e.getMessage());
            }
        }
        if (!ids.isEmpty() && failed) {
            throw Refused.badRequest("Give event_ids or failed, not both");
        }
        if (ids.isEmpty() && !failed) {
            throw Refused.badRequest("Give event_ids (a non-empty list), or failed: true");
        }
        if (since != null && !failed) {
            throw Refused.badRequest("since goes with failed: true");
        }
        return new ReplayRequest(List.copyOf(ids), failed, since, flag(request, "force"), flag(request, "dry_run"));
    }

    private static boolean flag(ObjectNode request, String name) {
        JsonNode value = request.get(name);
        if (value == null) {
            return false;
        }
        if (!value.isBoolean()) {
            throw Refused.badRequest(name + " must be true or false");
        }
        return value.asBoolean();
    }

    /**
     * Runs the events asked for, or with {@code failed} those a replay can help: each event whose
     * latest delivery in the window failed in a way NSPS itself retries (a 5xx, a 429; deferred)
     * and whose body is still kept. An event refused for good (a 4xx: against the schema, refused by
     * its external system, its entity missing) fails again as sent; one refused before it was
     * processed has no body kept, and one without an event id cannot be asked for: none is selected
     * ({@code journal --failed} still lists them). An id asked for explicitly is always answered,
     * with why it is not replayed when it is not.
     */
    ArrayNode replay(ReplayRequest request) {
        boolean dryRun = request.dryRun();
        boolean force = request.force();
        // One request id for the operator's one replay, a unique id for each event's: the log lines
        // of every event it runs carry them, as a delivery's carry NSPS's.
        String replayRequestId = RequestTracing.newId();
        ArrayNode results = mapper.createArrayNode();
        if (request.failed()) {
            Instant since = request.since() == null ? null : clock.instant().minus(request.since());
            List<Selected> selected = new ArrayList<>();
            // Each event's latest delivery (the store's rule): one that failed and then succeeded is not replayed.
            for (Journal.Entry entry : store.journal(new Journal.Query(true, null, null, since, MAX_ENTRIES))) {
                if (entry.eventId().isEmpty() || !retriedByNsps(entry.outcome())) {
                    continue;
                }
                keptBody(entry.eventId()).ifPresent(body -> selected.add(new Selected(entry.eventId(), replayOrder(entry, body),
                        entry.receivedAt())));
            }
            // The oldest event first, as NSPS meant them to apply: two failed events of one subscriber
            // then both run, in order, rather than the newer one first and the older one then stale.
            // Of two at the same time (neither is stale then), the one received last runs last.
            selected.sort(Comparator.comparing(Selected::order).thenComparing(Selected::receivedAt));
            for (Selected event : selected) {
                // Its body read again here, not held since it was selected: a batch holds one at a time.
                Optional<byte[]> body = keptBody(event.eventId());
                // Not run again if a delivery of NSPS has done it since it was selected.
                results.add(body.isPresent() ? replayOne(event.eventId(), body.get(), dryRun, force, false, replayRequestId)
                        : notReplayable(event.eventId()));
            }
            return results;
        }
        Set<String> ids = new LinkedHashSet<>();
        request.eventIds().forEach(id -> ids.add(StoredText.key(id)));
        for (String id : ids.stream().limit(MAX_ENTRIES).toList()) {
            Optional<byte[]> body = keptBody(id);
            results.add(body.isPresent() ? replayOne(id, body.get(), dryRun, force, true, replayRequestId) : notReplayable(id));
        }
        return results;
    }

    /** An event {@code --failed} selected, and where it comes in the replay's order. */
    private record Selected(String eventId, Instant order, Instant receivedAt) {
    }

    /**
     * Where a selected event comes in a replay: at its own time, the one per-subscriber order goes
     * by; one without (none carried, or its body does not parse any more) at when it was received,
     * which no subscriber's order depends on.
     */
    private Instant replayOrder(Journal.Entry entry, byte[] body) {
        try {
            return EventIdentity.time(parser.get().parse(body)).map(EventIdentity.EventTime::instant).orElse(entry.receivedAt());
        } catch (EventRejectedException e) {
            return entry.receivedAt();
        }
    }

    /** Whether NSPS sends an event answered so again: anything but a 4xx (a 429 is one it is known to retry). */
    private boolean retriedByNsps(Outcome outcome) {
        int status = answers.event(outcome).getStatus();
        return status >= 500 || status == 429;
    }

    /** The event as it was received, when still kept (never older than JOURNAL_BODY_RETENTION). */
    private Optional<byte[]> keptBody(String eventId) {
        return store.journalBody(eventId, clock.instant().minus(bodyRetention));
    }

    /** An event asked for that has no body kept: not in the journal, refused for good, or kept too long ago. */
    private ObjectNode notReplayable(String eventId) {
        ObjectNode result = mapper.createObjectNode().put("event_id", eventId).put("replayed", false);
        List<Journal.Entry> latest = store.journal(new Journal.Query(false, null, eventId, null, 1));
        if (latest.isEmpty()) {
            return result.put("found", false).put("message", "Not in the journal (never received here, or "
                    + "forgotten after IDEMPOTENCY_TTL): replay it from NSPS");
        }
        result.put("found", true);
        Outcome outcome = latest.get(0).outcome();
        if (outcome instanceof Outcome.Failed failed && !retriedByNsps(outcome)) {
            return result.put("message", "Refused for good (" + answers.event(outcome).getStatus() + ": " + failed.error()
                    + "), and no body is kept for it: it cannot succeed as sent; NSPS has to send a corrected event");
        }
        return result.put("message", bodyRetention.isZero()
                ? "No body is kept for this event (JOURNAL_BODY_RETENTION=0 keeps none): replay it from NSPS"
                : "No body is kept for this event (older than JOURNAL_BODY_RETENTION): replay it from NSPS");
    }

    private ObjectNode replayOne(String eventId, byte[] body, boolean dryRun, boolean force, boolean evenIfDone, String replayRequestId) {
        ObjectNode result = mapper.createObjectNode().put("event_id", eventId).put("found", true);
        Event event;
        try {
            event = parser.get().parse(body);
        } catch (EventRejectedException e) {
            return result.put("replayed", false).put("message", "The stored event does not parse any more: " + e.getMessage());
        }
        if (dryRun) {
            return dryRun(result.put("replayed", false).put("event_type", LogText.bounded(event.getData().getEventType())),
                    processor.previewReplay(event), force);
        }
        Map<String, String> callersContext = MDC.getCopyOfContextMap();
        MDC.clear();
        try {
            // The keys a delivery's lines carry (the events path's tracing filter and resource set them).
            MDC.put(LoggingSetup.MDC_REQUEST_ID, replayRequestId);
            MDC.put(LoggingSetup.MDC_UNIQUE_ID, RequestTracing.newId());
            MDC.put(LoggingSetup.MDC_EVENT_ID, LogText.bounded(event.getEventId()));
            MDC.put(LoggingSetup.MDC_EVENT_TYPE, LogText.bounded(event.getData().getEventType()));
            // The replay's journal entry keeps no body of its own: the delivery's is the one kept, its
            // age counted from when it was received, so a replay never extends its retention.
            Outcome outcome = processor.replay(event, null, force, evenIfDone);
            MDC.put(RequestTracing.OUTCOME, Answers.label(outcome));
            LOG.info("Replayed event {} at the operator's request: {}", LogText.bounded(eventId), Answers.label(outcome));
            metrics.replayed(Answers.label(outcome));
            return result.put("replayed", true).put("outcome", Answers.label(outcome)).put("status", answers.event(outcome).getStatus())
                    .put("message", outcome.message());
        } finally {
            if (callersContext == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(callersContext);
            }
        }
    }

    /** What a replay would do, as far as known now: run, or be refused as stale (unless forced). */
    private static ObjectNode dryRun(ObjectNode result, EventProcessor.ReplayPreview preview, boolean force) {
        String subscriber = preview.subscriber().map(LogText::bounded).orElse(null);
        if (preview.stale()) {
            String older = "older than the last event applied to " + subscriber + " (" + preview.lastApplied().orElseThrow() + ")";
            return force ? result.put("stale", false).put("message", "Would be replayed with --force, although " + older)
                    : result.put("stale", true).put("message", "Would be refused as stale unless --force: " + older);
        }
        return result.put("stale", false).put("message", "Would be replayed: its handlers run again" + (subscriber == null
                ? " (no subscriber order applies to it)"
                : preview.lastApplied().isEmpty() ? " (nothing applied to " + subscriber + " yet)"
                : " (not older than the last event applied to " + subscriber + ")"));
    }

    private Journal.Query query(Map<String, String> parameters) {
        for (String name : parameters.keySet()) {
            if (!JOURNAL_PARAMETERS.contains(name)) {
                throw Refused.badRequest("Unknown parameter '" + LogText.bounded(name) + "'; the parameters are failed, subscriber, event_id, "
                        + "since, limit");
            }
        }
        String failed = parameters.getOrDefault("failed", "false");
        if (!failed.equals("true") && !failed.equals("false")) {
            throw Refused.badRequest("failed must be true or false");
        }
        Instant since = null;
        if (parameters.containsKey("since")) {
            try {
                since = clock.instant().minus(Journal.parseSince(parameters.get("since")));
            } catch (IllegalArgumentException e) {
                throw Refused.badRequest("since: " + e.getMessage());
            }
        }
        int limit = Journal.DEFAULT_LIMIT;
        if (parameters.containsKey("limit")) {
            try {
                limit = Journal.parseLimit(parameters.get("limit"));
            } catch (IllegalArgumentException e) {
                throw Refused.badRequest("limit: " + e.getMessage());
            }
        }
        String subscriber = parameters.get("subscriber");
        if (subscriber != null && !subscriber.isEmpty()) {
            try {
                Journal.parseSubscriber(subscriber);
            } catch (IllegalArgumentException e) {
                throw Refused.badRequest("subscriber: " + LogText.bounded(e.getMessage()));
            }
        }
        return new Journal.Query(failed.equals("true"), key(subscriber), key(parameters.get("event_id")), since, limit);
    }

    private static String key(String value) {
        return value == null || value.isEmpty() ? null : StoredText.key(value);
    }

    private ObjectNode json(Journal.Entry entry) {
        ObjectNode node = mapper.createObjectNode()
                .put("id", entry.id())
                .put("event_id", entry.eventId())
                .put("event_type", entry.eventType())
                .put("subscriber", entry.subscriber())
                .put("previous_subscriber", entry.previousSubscriber())
                .put("instance", entry.instance())
                .put("received_at", entry.receivedAt().toString())
                .put("finished_at", entry.finishedAt().toString())
                .put("outcome", Answers.label(entry.outcome()))
                .put("status", answers.event(entry.outcome()).getStatus())
                .put("message", entry.outcome().message());
        if (entry.outcome() instanceof Outcome.Failed failed) {
            node.put("failure", failed.failure().name().toLowerCase(java.util.Locale.ROOT)).put("error", failed.error());
        } else if (entry.outcome() instanceof Outcome.Deferred deferred) {
            node.put("reason", deferred.reason().name().toLowerCase(java.util.Locale.ROOT)).put("error", deferred.error());
        }
        ArrayNode calls = node.putArray("upstream_calls");
        for (Journal.UpstreamCall call : entry.calls()) {
            calls.addObject().put("handler", call.handler()).put("action", call.action()).put("status", call.status()).put("ms", call.millis());
        }
        return node.put("replay", entry.replay()).put("body_kept", entry.bodyKept());
    }
}
