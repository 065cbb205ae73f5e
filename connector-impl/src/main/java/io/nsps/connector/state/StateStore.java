package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
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
     * Takes the event for one delivery unless it is done (or, with {@link Claim.Request#evenIfDone},
     * even then) or claimed by a delivery whose lease has not run out, a failed event or one whose
     * claim expired being taken again; and with it, when the event names one, its subscriber,
     * waiting up to {@link Claim.Request#subscriberWait} for another delivery holding it, and the
     * subscriber's last applied event time. One round trip to a shared store when nothing waits.
     */
    Claim claim(Claim.Request request);

    /** The outcome of an event, if it finished and is still remembered. */
    Optional<Outcome> finished(String eventId);

    /**
     * Journals a delivery refused before anything was claimed (an event against the schema, or
     * stamped too far ahead): its journal entry only, so the operator sees what NSPS drops for good.
     */
    void journalRefusal(String eventId, String eventType, String instance, Instant receivedAt, Outcome.Failed outcome);

    /**
     * The event time of the newest event applied to a subscriber, read as it is now (no lock: for
     * the operator's dry run; a delivery reads it with its subscriber held).
     */
    Optional<Instant> lastApplied(String subscriber);

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

    /** Forgets finished events older than the cut-off. */
    void purgeFinishedBefore(Instant cutoff);

    /** Drops the bodies kept with journal entries finished before the cut-off ({@code JOURNAL_BODY_RETENTION}). */
    void purgeJournalBodiesBefore(Instant cutoff);

    @Override
    void close();
}
