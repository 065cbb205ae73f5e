package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What instances of the connector share so that NSPS's re-deliveries provision nothing twice and
 * one subscriber's events apply one at a time, in order: finished events (for the idempotency TTL),
 * in-flight claims with leases (taken over when their owner crashed), per-subscriber order, and a
 * journal of every delivery. Implementations are thread-safe.
 *
 * <p>Keys (event ids, subscribers) arrive as {@link StoredText#key} made them: at most 200
 * characters, no NUL, no surrogate. Every call is bounded in time; a store that does not answer
 * within its bound throws {@link StateStoreException}.
 */
public interface StateStore extends AutoCloseable {

    /**
     * Takes the event unless it is done, or claimed by a delivery whose lease has not run out. A
     * failed event, or one whose claim expired, is taken again.
     */
    default Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil) {
        return claim(eventId, eventType, subscriber, owner, leaseUntil, false);
    }

    /**
     * The same; with {@code evenIfDone} (the operator's replay), an event done before is taken too
     * (unless another delivery holds it now).
     */
    Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil, boolean evenIfDone);

    /** The outcome of an event, if it finished and is still remembered. */
    Optional<Outcome> finished(String eventId);

    /**
     * Finishes a claimed event with its outcome, keeping its fingerprint beside it, and journals the
     * delivery. Only a {@link Outcome.Done} one is never claimed again.
     */
    default void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, Outcome outcome,
                        EventFingerprint fingerprint) {
        finish(eventId, eventType, subscriber, owner, receivedAt, outcome, fingerprint, Journal.Record.NONE);
    }

    /** The same, with what the journal keeps beside the outcome (the upstream calls, the body, the replay mark). */
    void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, Outcome outcome,
                EventFingerprint fingerprint, Journal.Record journal);

    /**
     * Journals a delivery refused before anything was claimed (an event against the schema, or
     * stamped too far ahead): its journal entry only, so the operator sees what NSPS drops for good.
     */
    void journalRefusal(String eventId, String eventType, String instance, Instant receivedAt, Outcome.Failed outcome);

    /** The journal's entries that match, the newest first. */
    List<Journal.Entry> journal(Journal.Query query);

    /**
     * The body kept with the newest journal entry of an event that still has one, finished at or
     * after {@code keptSince} (now minus {@code JOURNAL_BODY_RETENTION}): an older one is never
     * returned, whether or not the purge has dropped it yet.
     */
    Optional<byte[]> journalBody(String eventId, Instant keptSince);

    /**
     * Checks that the store answers, within its time bound ({@code STATE_DB_TIMEOUT}).
     *
     * @throws StateStoreException when it does not
     */
    default void check() {
    }

    /**
     * Waits up to {@code wait} for exclusive hold of a subscriber.
     *
     * @throws SubscriberBusyException when it is still held by another delivery after {@code wait}
     */
    SubscriberLock lockSubscriber(String subscriber, Duration wait) throws SubscriberBusyException, InterruptedException;

    /** Forgets finished events older than the cut-off. */
    void purgeFinishedBefore(Instant cutoff);

    /** Drops the bodies kept with journal entries finished before the cut-off ({@code JOURNAL_BODY_RETENTION}). */
    void purgeJournalBodiesBefore(Instant cutoff);

    @Override
    void close();

    /** Another delivery holds the subscriber for longer than the wait. */
    final class SubscriberBusyException extends Exception {
        private static final long serialVersionUID = 1L;

        public SubscriberBusyException(String subscriber) {
            super("subscriber " + subscriber + " is busy", null, false, false);
        }
    }
}
