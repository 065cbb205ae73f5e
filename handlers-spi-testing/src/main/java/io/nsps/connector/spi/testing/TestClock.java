package io.nsps.connector.spi.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock a test moves by hand, to cross an expiry (a token's lifetime, a back-off window, a
 * remembered event) without sleeping. Hand it to the code under test as its {@link Clock}; copies
 * made with {@link #withZone} move with it. Thread-safe.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** A clock standing at the current time, in UTC. */
    public static TestClock now() {
        return at(Instant.now());
    }

    /** A clock standing at {@code instant}, in UTC. */
    public static TestClock at(Instant instant) {
        return new TestClock(new AtomicReference<>(instant), ZoneOffset.UTC);
    }

    /** A clock standing at an ISO-8601 instant such as {@code 2026-01-01T00:00:00Z}. */
    public static TestClock at(String isoInstant) {
        return at(Instant.parse(isoInstant));
    }

    /** Moves the clock forward (or back, with a negative duration). */
    public TestClock advance(Duration duration) {
        now.updateAndGet(current -> current.plus(duration));
        return this;
    }

    /** Sets the clock to {@code instant}. */
    public TestClock set(Instant instant) {
        now.set(instant);
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return zone.equals(this.zone) ? this : new TestClock(now, zone);
    }
}
