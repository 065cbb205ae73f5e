package io.nsps.connector.state;

import io.nsps.connector.dispatch.DispatchResult;
import io.nsps.connector.dispatch.EventDispatcher;
import io.nsps.connector.dispatch.HandlerFailure;
import io.nsps.connector.model.Event;
import io.nsps.connector.state.StateStore.SubscriberBusyException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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
        String eventId = event.getEventId();
        String type = event.getData().getEventType();
        String subscriber = EventIdentity.subscriber(event).orElse(null);
        Instant deadline = clock.instant().plus(settings.inFlightWait());
        while (true) {
            Claim claim = store.claim(eventId, type, subscriber, settings.instanceId(), clock.instant().plus(settings.claimLease()));
            if (claim instanceof Claim.Claimed) {
                return run(event, subscriber);
            }
            if (claim instanceof Claim.AlreadyDone done) {
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

    private EventRecord run(Event event, String subscriber) {
        Instant received = clock.instant();
        EventRecord record;
        try (SubscriberLock lock = subscriber == null ? SubscriberLock.NONE : store.lockSubscriber(subscriber, settings.subscriberLockWait())) {
            record = provision(event, subscriber, lock);
        } catch (SubscriberBusyException e) {
            record = new EventRecord(503, "subscriber_busy", "connection_error",
                    "Another event of this subscriber is still being provisioned; retry later", "Subscriber busy", RETRY_SOON);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            record = new EventRecord(503, "interrupted", "connection_error", "The connector is stopping; retry later", "Interrupted", RETRY_SOON);
        } catch (RuntimeException | Error e) {
            store.finish(event.getEventId(), event.getData().getEventType(), subscriber, settings.instanceId(), received,
                    new EventRecord(500, "failed", "internal_error", "Internal error", "Internal server error", Map.of()));
            throw e;
        }
        store.finish(event.getEventId(), event.getData().getEventType(), subscriber, settings.instanceId(), received, record);
        return record;
    }

    private EventRecord provision(Event event, String subscriber, SubscriberLock lock) {
        Optional<Instant> time = EventIdentity.time(event);
        Optional<Instant> last = lock.lastApplied();
        if (time.isPresent() && last.isPresent() && time.get().isBefore(last.get())) {
            String message = "Event is older (" + time.get() + ") than the last one applied to " + subscriber + " (" + last.get()
                    + "); not applied";
            LOG.info(message);
            return new EventRecord(202, "stale", null, message, null, Map.of());
        }
        try {
            DispatchResult result = dispatcher.dispatch(event);
            if ("processed".equals(result.outcome()) && time.isPresent()) {
                lock.applied(time.get(), event.getEventId());
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
