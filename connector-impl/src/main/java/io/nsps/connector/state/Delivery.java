package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import java.time.Instant;
import java.util.Optional;

/**
 * One delivery's hold on its claimed event and, when the event names one, on its subscriber:
 * across the whole deployment, no other delivery provisions that subscriber until this one is
 * finished or closed. Used and closed on the thread that claimed it.
 */
public interface Delivery extends AutoCloseable {

    /**
     * Whether this delivery holds its event's subscriber (always, for an event that names none).
     * False when another delivery held the subscriber for longer than the wait, or the wait was
     * interrupted: the event is claimed all the same, and may only be finished as deferred.
     */
    boolean holdsSubscriber();

    /** The event time of the newest event applied to the subscriber, if any (read once it was held). */
    Optional<Instant> lastApplied();

    /**
     * Finishes the delivery, in one step: the event's outcome and fingerprint, the time it applied
     * to its subscriber, and its journal entry; then gives back the subscriber. Only a
     * {@link Outcome.Done} event is never claimed again. What a 2xx answer promises (a done event
     * and its subscriber's new time) is durable when this returns; a failed or deferred one may be
     * lost with the last moments before a database crash, since NSPS delivers it again.
     *
     * @param applied the event time this delivery applied to its subscriber (kept if newer than the
     *     one recorded), or null when it applied none
     * @param receivedAt when the delivery started, for the journal
     * @throws StateStoreException when the store fails; {@link #close} then still gives back the subscriber
     */
    void finish(Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt, Journal.Record journal);

    /** Gives back what {@link #finish} did not (the subscriber, when finishing failed or never happened); nothing after a finish. */
    @Override
    void close();
}
