package io.nsps.connector.state;

import java.time.Instant;
import java.util.Optional;

/**
 * Exclusive hold on one subscriber across the whole deployment, for the time one event of it is
 * provisioned. Closed on the thread that took it.
 */
public interface SubscriberLock extends AutoCloseable {

    /** The event time of the newest event applied to this subscriber, if any. */
    Optional<Instant> lastApplied();

    /** Records that an event of this time was applied (kept only if newer than what is recorded). */
    void applied(Instant eventTime, String eventId);

    @Override
    void close();

    /** For events that name no subscriber: nothing to order, nothing recorded. */
    SubscriberLock NONE = new SubscriberLock() {
        @Override
        public Optional<Instant> lastApplied() {
            return Optional.empty();
        }

        @Override
        public void applied(Instant eventTime, String eventId) {
        }

        @Override
        public void close() {
        }
    };
}
