package io.nsps.connector.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.parsing.EventRejectedException;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.state.Journal;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StoredText;
import io.nsps.connector.web.Answers;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the operator's commands ask of a running instance over the management port: the journal of
 * deliveries, and the replay of stored events through the same processor as live traffic (so a
 * replay takes the same claims and subscriber locks). JSON in, JSON out.
 */
final class Operations {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);
    /** Most entries one journal query returns; most events one replay runs. */
    static final int MAX_ENTRIES = 1000;

    private final StateStore store;
    private final EventProcessor processor;
    private final Supplier<EventParser> parser;
    private final Answers answers;
    private final ObjectMapper mapper;
    private final Clock clock;

    Operations(StateStore store, EventProcessor processor, Supplier<EventParser> parser, Answers answers, ObjectMapper mapper, Clock clock) {
        this.store = store;
        this.processor = processor;
        this.parser = parser;
        this.answers = answers;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * The journal's entries, the newest first.
     *
     * @param parameters {@code failed=true}, {@code subscriber}, {@code event_id}, {@code since} (a duration back from now:
     *     {@code 2h}), {@code limit} (100 by default)
     */
    ArrayNode journal(Map<String, String> parameters) {
        ArrayNode entries = mapper.createArrayNode();
        for (Journal.Entry entry : store.journal(query(parameters))) {
            entries.add(json(entry));
        }
        return entries;
    }

    /**
     * Runs stored events again: {@code {"event_ids": [...]}} or {@code {"failed": true, "since": "2h"}}
     * (the events whose last delivery in that window did not end done), with {@code "dry_run"} (say
     * what would run) and {@code "force"} (apply an event older than its subscriber's last one).
     */
    ArrayNode replay(JsonNode request) {
        boolean dryRun = request.path("dry_run").asBoolean(false);
        boolean force = request.path("force").asBoolean(false);
        Set<String> ids = new LinkedHashSet<>();
        request.path("event_ids").forEach(id -> ids.add(StoredText.key(id.asText())));
        if (request.path("failed").asBoolean(false)) {
            Instant since = request.hasNonNull("since") ? clock.instant().minus(ConfigValues.parseDuration(request.path("since").asText()))
                    : null;
            for (Journal.Entry entry : store.journal(new Journal.Query(true, null, null, since, MAX_ENTRIES))) {
                if (stillFailed(entry.eventId())) {
                    ids.add(entry.eventId());
                }
            }
        }
        ArrayNode results = mapper.createArrayNode();
        for (String id : ids.stream().limit(MAX_ENTRIES).toList()) {
            results.add(replayOne(id, dryRun, force));
        }
        return results;
    }

    /** Whether the event's newest journal entry is not done (a later delivery may have provisioned it meanwhile). */
    private boolean stillFailed(String eventId) {
        List<Journal.Entry> newest = store.journal(new Journal.Query(false, null, eventId, null, 1));
        return !newest.isEmpty() && !(newest.get(0).outcome() instanceof Outcome.Done);
    }

    private ObjectNode replayOne(String eventId, boolean dryRun, boolean force) {
        ObjectNode result = mapper.createObjectNode().put("event_id", eventId);
        Optional<byte[]> body = store.journalBody(eventId);
        if (body.isEmpty()) {
            return result.put("replayed", false).put("message", "No body is kept for this event (never received here, or older than "
                    + "JOURNAL_BODY_RETENTION): replay it from NSPS");
        }
        Event event;
        try {
            event = parser.get().parse(body.get());
        } catch (EventRejectedException e) {
            return result.put("replayed", false).put("message", "The stored event does not parse any more: " + e.getMessage());
        }
        if (dryRun) {
            return result.put("replayed", false).put("event_type", LogText.bounded(event.getData().getEventType()))
                    .put("message", "Would be replayed" + (force ? ", even if older than its subscriber's last applied event" : ""));
        }
        Outcome outcome = processor.replay(event, body.get(), force);
        LOG.info("Replayed event {} at the operator's request: {}", LogText.bounded(eventId), Answers.label(outcome));
        return result.put("replayed", true).put("outcome", Answers.label(outcome)).put("status", answers.event(outcome).getStatus())
                .put("message", outcome.message());
    }

    private static Journal.Query query(Map<String, String> parameters) {
        Instant since = parameters.containsKey("since") ? Instant.now().minus(ConfigValues.parseDuration(parameters.get("since"))) : null;
        int limit = parameters.containsKey("limit") ? (int) ConfigValues.parseWholeNumber(parameters.get("limit"), 1, MAX_ENTRIES) : 100;
        return new Journal.Query("true".equals(parameters.get("failed")), key(parameters.get("subscriber")), key(parameters.get("event_id")),
                since, limit);
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
