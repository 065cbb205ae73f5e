package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Deliveries as the event processor makes them, for the stores' tests. */
public final class Deliveries {

    public static final EventFingerprint FINGERPRINT = new EventFingerprint(42, Instant.parse("2025-06-09T17:44:21Z"));

    private Deliveries() {
    }

    /** A claim of {@code eventId} (of type SIM/Updated) by {@code owner}, waiting up to a second for its subscriber. */
    public static Claim claim(StateStore store, String eventId, String subscriber, String owner, Instant leaseUntil) {
        return store.claim(new Claim.Request(eventId, "SIM/Updated", subscriber, owner, leaseUntil, false, Duration.ofSeconds(1)));
    }

    /** The delivery of a claim that must have been taken. */
    public static Delivery claimed(StateStore store, String eventId, String subscriber, String owner, Instant leaseUntil) {
        Claim claim = claim(store, eventId, subscriber, owner, leaseUntil);
        if (!(claim instanceof Claim.Claimed claimed)) {
            throw new AssertionError("expected " + eventId + " to be claimed, was " + claim);
        }
        return claimed.delivery();
    }

    /** Claims {@code eventId} and finishes it with {@code outcome}, applying {@code applied} (or nothing) to its subscriber. */
    public static void deliver(StateStore store, String eventId, String subscriber, Outcome outcome, Instant applied) {
        try (Delivery delivery = claimed(store, eventId, subscriber, "a", Instant.now().plusSeconds(60))) {
            delivery.finish(outcome, applied, FINGERPRINT, Instant.now(), Journal.Record.NONE);
        }
    }

    /** The subscriber's last applied time, as a delivery of a new event of it sees it (that delivery is finished as ignored). */
    public static Optional<Instant> lastApplied(StateStore store, String subscriber) {
        try (Delivery delivery = claimed(store, "probe-" + UUID.randomUUID(), subscriber, "probe", Instant.now().plusSeconds(60))) {
            Optional<Instant> last = delivery.lastApplied();
            delivery.finish(new Outcome.Done(Outcome.Done.Result.IGNORED, "probe"), null, FINGERPRINT, Instant.now(), Journal.Record.NONE);
            return last;
        }
    }
}
