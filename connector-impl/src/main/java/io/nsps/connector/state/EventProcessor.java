package io.nsps.connector.state;

import io.nsps.connector.dispatch.DispatchResult;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.HandlerFailure;
import io.nsps.connector.model.Event;
import io.nsps.connector.state.StateStore.SubscriberBusyException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.spi.ConfigValues;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once provisioning under NSPS's re-deliveries, across instances sharing a {@link StateStore}:
 *
 * <ol>
 *   <li>An event already processed successfully is answered 202 "already processed", calling no handler.</li>
 *   <li>A delivery of an event another delivery is processing waits for that outcome (up to
 *       {@code INFLIGHT_WAIT}) and answers the same, or 503 with Retry-After.</li>
 *   <li>Events of one subscriber are provisioned one at a time; one older than the last applied
 *       for that subscriber is answered 202 "stale" without provisioning.</li>
 *   <li>A failure is recorded as such: the next delivery runs again.</li>
 * </ol>
 */
public final class EventProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(EventProcessor.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Map<String, String> RETRY_SOON = Map.of("Retry-After", "5");
    private static final int MAX_TYPE_CHARS = 200;

    private final StateStore store;
    private final EventDispatcher dispatcher;
    private final Function<HandlerFailure, EventRecord> failures;
    private final ProcessingSettings settings;
    private final Clock clock;

    public EventProcessor(StateStore store, EventDispatcher dispatcher, Function<HandlerFailure, EventRecord> failures,
                          ProcessingSettings settings, Clock clock) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.failures = failures;
        this.settings = settings;
        this.clock = clock;
    }

    /** The answer for one delivery; a handler's unexpected exception is recorded, then rethrown. */
    public EventRecord process(Event event) {
        // What the stores keep: keys bounded and compared exactly, text storable (StoredText).
        String eventId = StoredText.key(event.getEventId());
        String type = StoredText.text(event.getData().getEventType(), MAX_TYPE_CHARS);
        Optional<String> subscriberText = EventIdentity.subscriber(event);
        String subscriber = subscriberText.map(StoredText::key).orElse(null);
        Optional<EventIdentity.EventTime> time = EventIdentity.time(event);
        Instant now = clock.instant();
        if (time.isPresent() && time.get().instant().isAfter(now.plus(settings.maxEventTimeAhead()))) {
            // It would bar every later event of its subscriber as stale until its time came.
            String problem = "is more than " + ConfigValues.formatDuration(settings.maxEventTimeAhead()) + " ahead of the connector's clock ("
                    + time.get().instant() + ")";
            return new EventRecord(422, "invalid", "validation_error", "Validation failed", time.get().field() + " " + problem, Map.of(),
                    List.of(new EventRecord.FieldProblem(time.get().field(), problem)));
        }
        EventFingerprint fingerprint = EventFingerprint.of(event, time.map(EventIdentity.EventTime::instant).orElse(null));
        Instant deadline = now.plus(settings.inFlightWait());
        while (true) {
            Claim claim = store.claim(eventId, type, subscriber, settings.instanceId(), clock.instant().plus(settings.claimLease()));
            if (claim instanceof Claim.Claimed) {
                return run(event, eventId, type, subscriber, subscriberText.orElse(null), time, fingerprint);
            }
            if (claim instanceof Claim.AlreadyDone done) {
                warnIfDifferent(event, fingerprint, done.fingerprint());
                return alreadyProcessed(done.record());
            }
            // In flight elsewhere. Its outcome, once there, is ours too (a failure as well: exactly one
            // delivery runs); its claim, once expired (its instance died), is taken over by the next claim.
            Optional<EventRecord> finished = store.finished(eventId);
            if (finished.isPresent()) {
                return finished.get().done() ? alreadyProcessed(finished.get()) : finished.get();
            }
            if (!clock.instant().isBefore(deadline)) {
                return new EventRecord(503, "in_flight", "connection_error", "The event is being processed by another delivery; retry later",
                        "Still in progress", RETRY_SOON);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new EventRecord(503, "interrupted", "connection_error", "The connector is stopping; retry later", "Interrupted",
                        RETRY_SOON);
            }
        }
    }

    /**
     * The same event id with other data: answered as the first delivery was (NSPS drops a 4xx, and
     * the first one was provisioned), but an operator should know.
     */
    private static void warnIfDifferent(Event event, EventFingerprint delivered, EventFingerprint first) {
        if (delivered.differsFrom(first)) {
            LOG.warn("Event {} was already processed with other data (event time {} then, {} now); answered as already processed, "
                    + "this delivery's data not applied", LogText.bounded(event.getEventId()), describe(first.eventTime()), describe(delivered.eventTime()));
        }
    }

    private static String describe(Instant time) {
        return time == null ? "unknown" : time.toString();
    }

    private EventRecord run(Event event, String eventId, String type, String subscriber, String subscriberText,
                            Optional<EventIdentity.EventTime> time, EventFingerprint fingerprint) {
        Instant received = clock.instant();
        EventRecord record;
        try (SubscriberLock lock = subscriber == null ? SubscriberLock.NONE : store.lockSubscriber(subscriber, settings.subscriberLockWait())) {
            record = provision(event, eventId, subscriberText, time.map(EventIdentity.EventTime::instant), lock);
        } catch (SubscriberBusyException e) {
            record = new EventRecord(503, "subscriber_busy", "connection_error",
                    "Another event of this subscriber is still being provisioned; retry later", "Subscriber busy", RETRY_SOON);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            record = new EventRecord(503, "interrupted", "connection_error", "The connector is stopping; retry later", "Interrupted", RETRY_SOON);
        } catch (RuntimeException | Error e) {
            store.finish(eventId, type, subscriber, settings.instanceId(), received,
                    new EventRecord(500, "failed", "internal_error", "Internal error", "Internal server error", Map.of()), fingerprint);
            throw e;
        }
        store.finish(eventId, type, subscriber, settings.instanceId(), received, record, fingerprint);
        return record;
    }

    private EventRecord provision(Event event, String eventId, String subscriberText, Optional<Instant> time, SubscriberLock lock) {
        Optional<Instant> last = lock.lastApplied();
        if (time.isPresent() && last.isPresent() && time.get().isBefore(last.get())) {
            String message = "Event is older (" + time.get() + ") than the last one applied to " + LogText.bounded(subscriberText) + " (" + last.get()
                    + "); not applied";
            LOG.info(message);
            return new EventRecord(202, "stale", null, message, null, Map.of());
        }
        try {
            DispatchResult result = dispatcher.dispatch(event);
            if ("processed".equals(result.outcome()) && time.isPresent()) {
                lock.applied(time.get(), eventId);
            }
            return new EventRecord(202, result.outcome(), null, result.message(), null, Map.of());
        } catch (HandlerFailure failure) {
            return failures.apply(failure);
        }
    }

    private static EventRecord alreadyProcessed(EventRecord original) {
        return new EventRecord(202, "duplicate", null, "Event already processed: " + original.message(), null, Map.of());
    }
}
