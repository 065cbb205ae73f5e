package io.nsps.connector.web;

import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.model.ErrorType;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Overload protection: at most {@code MAX_CONCURRENT_EVENTS} authenticated requests are processed
 * at once; one more is refused at once with 503 and Retry-After instead of queueing behind slow
 * upstream calls. The worker pool is larger than that limit, so the spare workers keep answering
 * health checks and those fast 503s however slow the external systems are.
 *
 * <p>Bodies are admitted against a second budget, {@code MAX_BODY_BYTES_IN_FLIGHT}: a request is
 * charged its declared length (the largest accepted body when it declares none), so a burst of
 * large events is answered 503 beyond the budget instead of growing the heap without bound.
 *
 * <p>What a request takes is given back by {@link Ticket#release}, once whatever the number of
 * calls. A connector that refuses events for capacity while none of those admitted has finished for
 * {@code HEALTH_STUCK_AFTER} cannot take events any more: {@link #stuck} says so, for the health check.
 */
final class Admission {

    private final Semaphore slots;
    private final Semaphore bodyBytes;
    private final long maxBodyBytes;
    private final long stuckAfterNanos;
    private final LongSupplier nanoTime;
    private volatile long lastRelease;
    private volatile boolean refusedSinceRelease;
    private final ConnectorMetrics metrics;

    Admission(int maxConcurrent, long maxBodyBytesInFlight, long maxBodyBytes, Duration stuckAfter, LongSupplier nanoTime,
              ConnectorMetrics metrics) {
        this.metrics = metrics;
        this.slots = new Semaphore(maxConcurrent);
        metrics.gauge("nsps_events_in_flight", "Events admitted and not yet answered", () -> maxConcurrent - slots.availablePermits());
        this.bodyBytes = new Semaphore((int) Math.min(Integer.MAX_VALUE, maxBodyBytesInFlight));
        this.maxBodyBytes = maxBodyBytes;
        this.stuckAfterNanos = stuckAfter.toNanos();
        this.nanoTime = nanoTime;
        this.lastRelease = nanoTime.getAsLong();
    }

    /**
     * Takes a slot and the body's bytes, or refuses.
     *
     * @param declaredLength the body's Content-Length, or -1 when it has none (chunked)
     * @throws ApiException 503 with Retry-After when either budget is spent
     */
    Ticket admit(long declaredLength) {
        // A longer declared body is refused with 413 when it is read; charging more than the limit would not help.
        int charge = (int) Math.min(declaredLength < 0 ? maxBodyBytes : declaredLength, maxBodyBytes);
        if (!slots.tryAcquire()) {
            refusedSinceRelease = true;
            metrics.capacityRefused("events");
            throw new ApiException(503, ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later", "Too many events in progress",
                    Map.of("Retry-After", Answers.CAPACITY_RETRY_AFTER));
        }
        if (!bodyBytes.tryAcquire(charge)) {
            slots.release();
            refusedSinceRelease = true;
            metrics.capacityRefused("body_bytes");
            throw new ApiException(503, ErrorType.CONNECTION_ERROR, "The connector is at capacity for large events; retry later",
                    "Too many large event bodies in progress", Map.of("Retry-After", Answers.CAPACITY_RETRY_AFTER));
        }
        return new Ticket(charge);
    }

    /** Whether events have been refused for capacity while nothing admitted finished for {@code HEALTH_STUCK_AFTER}. */
    boolean stuck() {
        return refusedSinceRelease && nanoTime.getAsLong() - lastRelease > stuckAfterNanos;
    }

    /** Slots free now (for tests and health). */
    int freeSlots() {
        return slots.availablePermits();
    }

    /** What one admitted request holds. */
    final class Ticket {
        private final int charge;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(int charge) {
            this.charge = charge;
        }

        /** Gives back the slot and the bytes; later calls do nothing. */
        void release() {
            if (released.compareAndSet(false, true)) {
                bodyBytes.release(charge);
                slots.release();
                lastRelease = nanoTime.getAsLong();
                refusedSinceRelease = false;
            }
        }
    }
}
