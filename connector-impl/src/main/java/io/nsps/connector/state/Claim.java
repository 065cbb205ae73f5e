package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** The result of trying to take an event, and its subscriber, for one delivery ({@link StateStore#claim}). */
public sealed interface Claim {

    /**
     * What one delivery asks for.
     *
     * @param subscriber the event's subscriber ({@code imsi:...}, {@code account:...}), or null when it names none
     * @param owner the instance that claims (it owns the claim until it finishes or its lease runs out)
     * @param evenIfDone the operator's replay: an event done before is taken too (unless a delivery holds it now)
     * @param subscriberWait how long to wait for a delivery of another event of the subscriber to finish
     * @param alsoSubscriber another subscriber the event changes (the SIM a {@code SIM/Replaced} bars), or null: held
     *     with {@code subscriber} (the delivery holds its subscriber only when it holds both), and given the time the
     *     delivery applies, so that an older event of it is not applied after this one
     */
    record Request(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil, boolean evenIfDone,
                   Duration subscriberWait, String alsoSubscriber) {

        /** A request for an event that changes one subscriber at most. */
        public Request(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil, boolean evenIfDone,
                       Duration subscriberWait) {
            this(eventId, eventType, subscriber, owner, leaseUntil, evenIfDone, subscriberWait, null);
        }

        public Request {
            Objects.requireNonNull(eventId, "eventId is null");
            Objects.requireNonNull(eventType, "eventType is null");
            Objects.requireNonNull(owner, "owner is null");
            Objects.requireNonNull(leaseUntil, "leaseUntil is null");
            Objects.requireNonNull(subscriberWait, "subscriberWait is null");
            if (alsoSubscriber != null && (subscriber == null || alsoSubscriber.equals(subscriber))) {
                throw new IllegalArgumentException("alsoSubscriber goes with a subscriber of its own, another one");
            }
        }
    }

    /** This delivery owns the event until it finishes it (or its lease runs out), and what it holds is in {@code delivery}. */
    record Claimed(Delivery delivery) implements Claim {
    }

    /** Another delivery is processing it now. */
    record InFlight() implements Claim {
    }

    /**
     * It was processed successfully before: answer as then, provision nothing.
     *
     * @param fingerprint the first delivery's, or null where the store kept none
     */
    record AlreadyDone(Outcome.Done outcome, EventFingerprint fingerprint) implements Claim {
    }
}
