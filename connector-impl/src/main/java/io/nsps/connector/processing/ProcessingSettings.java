package io.nsps.connector.processing;

import java.time.Duration;

/**
 * @param claimLease how long a claim holds before another instance may take the event over
 * @param inFlightWait how long a concurrent delivery waits for the first one's outcome
 * @param subscriberLockWait how long an event waits for its subscriber's previous event
 * @param idempotencyTtl how long a processed event is remembered (the sender retries for a month)
 * @param maxEventTimeAhead how far an event's time may be ahead of the clock ({@code EVENT_TIME_MAX_AHEAD})
 */
public record ProcessingSettings(String instanceId, Duration claimLease, Duration inFlightWait, Duration subscriberLockWait,
                                 Duration idempotencyTtl, Duration maxEventTimeAhead) {
}
