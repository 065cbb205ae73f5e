package io.nsps.connector.processing;

import io.nsps.connector.dispatch.DispatchResult;
import io.nsps.connector.dispatch.UpstreamCall;
import io.nsps.connector.state.Journal;
import java.util.ArrayList;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.HandlerFailure;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.FieldProblem;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.outcome.Outcome.Deferred.Reason;
import io.nsps.connector.outcome.Outcome.Done.Result;
import io.nsps.connector.outcome.Outcome.Failed.Failure;
import io.nsps.connector.outcome.Texts;
import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.state.Claim;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.state.StoredText;
import io.nsps.connector.state.Delivery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once provisioning under NSPS's re-deliveries, across instances sharing a {@link StateStore}:
 *
 * <ol>
 *   <li>An event already done is {@link Result#DUPLICATE}, calling no handler.</li>
 *   <li>A delivery of an event another delivery is processing waits for that outcome (up to
 *       {@code INFLIGHT_WAIT}) and takes it as its own, or is {@link Reason#IN_FLIGHT}.</li>
 *   <li>Events of one subscriber are provisioned one at a time; one older than the last applied
 *       for that subscriber is {@link Result#STALE}, not provisioned.</li>
 *   <li>A failure is kept as such: the next delivery runs again.</li>
 *   <li>An event stamped more than {@code EVENT_TIME_MAX_AHEAD} ahead of the clock is
 *       {@link Failure#INVALID_EVENT} before anything is claimed (it would bar its subscriber).</li>
 * </ol>
 *
 * What an outcome is answered is the web layer's business; a state store that fails throws
 * {@code StateStoreException} out of {@link #process}.
 */
public final class EventProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(EventProcessor.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int MAX_TYPE_CHARS = 200;

    private final StateStore store;
    private final EventDispatcher dispatcher;
    private final ProcessingSettings settings;
    private final Waiting waiting;
    private final Clock clock;

    /** @param waiting told around every stretch that waits: store calls, lock and in-flight waits, the handlers' calls */
    public EventProcessor(StateStore store, EventDispatcher dispatcher, ProcessingSettings settings, Waiting waiting, Clock clock) {
        this.store = Objects.requireNonNull(store, "store is null");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher is null");
        this.settings = Objects.requireNonNull(settings, "settings is null");
        this.waiting = Objects.requireNonNull(waiting, "waiting is null");
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    /** What became of one delivery; a handler's unexpected exception is kept as an internal error, then rethrown. */
    public Outcome process(Event event) {
        return process(event, null);
    }

    /**
     * The same, keeping {@code body} (the event as received) with the delivery's journal entry for
     * a later replay; null keeps none.
     */
    @SuppressWarnings("try") // the section marks the wait; nothing in it refers to it
    public Outcome process(Event event, byte[] body) {
        try (Waiting.Section section = waiting.enter()) {
            return processWaiting(event, body, false, false, false);
        }
    }

    /**
     * The operator's replay of an event, in its subscriber's order as any delivery: an event older
     * than the last one applied to its subscriber is not applied, unless {@code force}. Its journal
     * entry is marked as a replay.
     *
     * @param evenIfDone run it again even when it was done before (an event asked for by id: the
     *     explicit action bypasses "already processed"); false for one selected because it had failed,
     *     which a delivery of NSPS may have done since: then it is answered as already processed
     */
    @SuppressWarnings("try")
    public Outcome replay(Event event, byte[] body, boolean force, boolean evenIfDone) {
        try (Waiting.Section section = waiting.enter()) {
            return processWaiting(event, body, true, evenIfDone, force);
        }
    }

    /**
     * Journals a delivery refused before it could be processed (its event breaks the schema): its
     * journal entry only, nothing claimed. A store that fails here changes nothing of the answer.
     *
     * @param eventId, eventType as far as the refused JSON gives them; null when it does not
     */
    @SuppressWarnings("try")
    public void refused(String eventId, String eventType, Outcome.Failed outcome) {
        try (Waiting.Section section = waiting.enter()) {
            journalRefusal(StoredText.key(eventId == null ? "" : eventId),
                    eventType == null ? null : Texts.storable(eventType, MAX_TYPE_CHARS), outcome);
        }
    }

    private void journalRefusal(String eventId, String type, Outcome.Failed outcome) {
        try {
            store.journalRefusal(eventId, type, settings.instanceId(), clock.instant(), outcome);
        } catch (StateStoreException e) {
            LOG.warn("Event {}, refused, could not be journaled: {}", LogText.bounded(eventId), LogText.bounded(e.getMessage()));
        }
    }

    /**
     * An event whose time field cannot be read is applied unordered (docs/behaviour.md): said at
     * WARN for each, since it most likely means NSPS changed the fields' format.
     */
    private static void warnIfTimeUnreadable(Event event, String eventId) {
        EventIdentity.unreadableTimeField(event).ifPresent(field -> LOG.warn("Event {}: its {} cannot be read as a time (has NSPS changed"
                + " its format?), so it is applied without being ordered against its subscriber's other events, and without the check of"
                + " EVENT_TIME_MAX_AHEAD", LogText.bounded(eventId), field));
    }

    private Outcome processWaiting(Event event, byte[] body, boolean replay, boolean evenIfDone, boolean force) {
        // What the stores keep: keys bounded and compared exactly, text storable.
        String eventId = StoredText.key(event.getEventId());
        String type = Texts.storable(event.getData().getEventType(), MAX_TYPE_CHARS);
        Optional<String> subscriberText = EventIdentity.subscriber(event);
        String subscriber = subscriberText.map(StoredText::key).orElse(null);
        // A replacement bars its previous SIM: held with the new one, so that none of its older events applies after.
        String previousSubscriber = subscriber == null ? null : EventIdentity.previousSubscriber(event).map(StoredText::key).orElse(null);
        Optional<EventIdentity.EventTime> time = EventIdentity.time(event);
        if (time.isEmpty()) {
            warnIfTimeUnreadable(event, eventId);
        }
        Instant now = clock.instant();
        if (time.isPresent() && time.get().instant().isAfter(now.plus(settings.maxEventTimeAhead()))) {
            String problem = "is more than " + ConfigValues.formatDuration(settings.maxEventTimeAhead()) + " ahead of the connector's clock ("
                    + time.get().instant() + ")";
            Outcome.Failed tooFarAhead = new Outcome.Failed(Failure.INVALID_EVENT, "Validation failed", time.get().field() + " " + problem,
                    null, List.of(new FieldProblem(time.get().field(), problem)));
            journalRefusal(eventId, type, tooFarAhead);
            return tooFarAhead;
        }
        EventFingerprint fingerprint = EventIdentity.fingerprint(event, time.map(EventIdentity.EventTime::instant).orElse(null));
        Instant deadline = now.plus(settings.inFlightWait());
        while (true) {
            Claim claim = store.claim(new Claim.Request(eventId, type, subscriber, settings.instanceId(), clock.instant().plus(settings.claimLease()),
                    evenIfDone, settings.subscriberLockWait(), previousSubscriber));
            if (claim instanceof Claim.Claimed claimed) {
                try (Delivery delivery = claimed.delivery()) {
                    return run(event, delivery, eventId, subscriberText.orElse(null), time, fingerprint, body, replay, force);
                }
            }
            if (claim instanceof Claim.AlreadyDone done) {
                warnIfDifferent(event, fingerprint, done.fingerprint());
                return duplicate(done.outcome());
            }
            // In flight elsewhere. Its outcome, once there, is ours too (a failure as well: exactly one
            // delivery runs); its claim, once expired (its instance died), is taken over by the next claim.
            Optional<Outcome> finished = store.finished(eventId);
            if (finished.isPresent()) {
                return finished.get() instanceof Outcome.Done done ? duplicate(done) : finished.get();
            }
            if (!clock.instant().isBefore(deadline)) {
                return new Outcome.Deferred(Reason.IN_FLIGHT, "The event is being processed by another delivery; retry later",
                        "Still in progress");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stopping();
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
                    + "this delivery's data not applied", LogText.bounded(event.getEventId()), describe(first.eventTime()),
                    describe(delivered.eventTime()));
        }
    }

    private static String describe(Instant time) {
        return time == null ? "unknown" : time.toString();
    }

    /** What a claimed delivery provisions, and its finish: in its subscriber's order, one at a time across the deployment. */
    private Outcome run(Event event, Delivery delivery, String eventId, String subscriberText, Optional<EventIdentity.EventTime> time,
                        EventFingerprint fingerprint, byte[] body, boolean replay, boolean force) {
        Instant received = clock.instant();
        List<UpstreamCall> calls = new ArrayList<>();
        Outcome outcome;
        Instant applied = null;
        if (!delivery.holdsSubscriber()) {
            // A deferral finishes the claim too, so the next delivery runs again at once.
            outcome = Thread.currentThread().isInterrupted() ? stopping()
                    : new Outcome.Deferred(Reason.SUBSCRIBER_BUSY, "Another event of this subscriber is still being provisioned; retry later",
                            "Subscriber busy");
        } else {
            try {
                outcome = provision(event, subscriberText, time.map(EventIdentity.EventTime::instant), delivery.lastApplied(), calls, force);
            } catch (RuntimeException | Error e) {
                delivery.finish(new Outcome.Failed(Failure.INTERNAL_ERROR, "Internal error", "Internal server error"), null, fingerprint,
                        received, journal(calls, body, replay));
                throw e;
            }
            if (outcome instanceof Outcome.Done done && done.result() == Result.PROCESSED && time.isPresent()) {
                applied = time.get().instant();
            }
        }
        try {
            delivery.finish(outcome, applied, fingerprint, received, journal(calls, body, replay));
        } catch (StateStoreException e) {
            boolean provisioned = outcome instanceof Outcome.Done done && done.result() == Result.PROCESSED;
            if (provisioned || !calls.isEmpty()) {
                // The external system has the event; the store has neither its outcome nor its subscriber's time.
                LOG.error("Event {} reached the external system but the state store could not record its outcome: it is answered 503"
                        + " and runs again when NSPS sends it once more, after CLAIM_LEASE; until then another event of {} may be"
                        + " provisioned without being ordered against it", LogText.bounded(eventId),
                        subscriberText == null ? "its subscriber" : LogText.bounded(subscriberText));
            }
            throw e;
        }
        return outcome;
    }

    private static Journal.Record journal(List<UpstreamCall> calls, byte[] body, boolean replay) {
        List<Journal.UpstreamCall> kept = new ArrayList<>(calls.size());
        for (UpstreamCall call : calls) {
            kept.add(new Journal.UpstreamCall(call.handler(), call.action(), call.status(), call.millis()));
        }
        return new Journal.Record(kept, body, replay);
    }

    private Outcome provision(Event event, String subscriberText, Optional<Instant> time, Optional<Instant> last, List<UpstreamCall> calls,
                              boolean force) {
        if (!force && olderThanLastApplied(time, last)) {
            String message = "Event is older (" + time.get() + ") than the last one applied to " + LogText.bounded(subscriberText)
                    + " (" + last.get() + "); not applied";
            LOG.info(message);
            return new Outcome.Done(Result.STALE, message);
        }
        try {
            DispatchResult result = dispatcher.dispatch(event, calls);
            // Masked before it is stored and journaled, as HandlerFailures masks a failure's texts.
            return new Outcome.Done(result.processed() ? Result.PROCESSED : Result.IGNORED, SecretMasker.mask(result.message()));
        } catch (HandlerFailure failure) {
            return HandlerFailures.outcome(failure);
        }
    }

    /** The order rule: an event older than the last one applied to its subscriber is stale. */
    private static boolean olderThanLastApplied(Optional<Instant> time, Optional<Instant> last) {
        return time.isPresent() && last.isPresent() && time.get().isBefore(last.get());
    }

    /**
     * What a replay of the event would meet now, as far as known without running it (the operator's
     * dry run): its subscriber's last applied time read as it is, another delivery may change it.
     *
     * @param subscriber the subscriber whose order applies, if any
     * @param lastApplied the time of the last event applied to it, if any
     * @param stale whether the event is older than that (then not applied unless forced)
     */
    public record ReplayPreview(Optional<String> subscriber, Optional<Instant> lastApplied, boolean stale) {
    }

    @SuppressWarnings("try")
    public ReplayPreview previewReplay(Event event) {
        Optional<String> subscriber = EventIdentity.subscriber(event);
        Optional<Instant> time = EventIdentity.time(event).map(EventIdentity.EventTime::instant);
        if (subscriber.isEmpty() || time.isEmpty()) {
            return new ReplayPreview(subscriber, Optional.empty(), false);
        }
        try (Waiting.Section section = waiting.enter()) {
            Optional<Instant> last = store.lastApplied(StoredText.key(subscriber.get()));
            return new ReplayPreview(subscriber, last, olderThanLastApplied(time, last));
        }
    }

    private static Outcome.Done duplicate(Outcome.Done original) {
        return new Outcome.Done(Result.DUPLICATE, "Event already processed: " + original.message());
    }

    private static Outcome.Deferred stopping() {
        return new Outcome.Deferred(Reason.STOPPING, "The connector is stopping; retry later", "Interrupted");
    }
}
