package io.nsps.connector.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code STATE_STORE=memory}: the state of one instance, bounded in size (Caffeine), lost on
 * restart. Correct for a single instance; several instances need the postgres store.
 */
public final class MemoryStateStore implements StateStore {

    private static final int LOCK_STRIPES = 1024;

    private record Entry(EventRecord record, String owner, Instant leaseUntil) {
        boolean inFlight() {
            return record == null;
        }
    }

    private final Cache<String, Entry> events;
    private final Cache<String, Instant> lastApplied;
    private final ReentrantLock[] subscriberLocks = new ReentrantLock[LOCK_STRIPES];
    private final Clock clock;

    public MemoryStateStore(long maxEvents, Duration ttl, Clock clock) {
        this.clock = clock;
        // Eviction and expiry run on the calling thread: handing them to the common pool cost a thread
        // wake-up on most writes (about 4% of a request's CPU under load) for work that takes less.
        this.events = Caffeine.newBuilder().maximumSize(maxEvents).expireAfterWrite(ttl).executor(Runnable::run).build();
        this.lastApplied = Caffeine.newBuilder().maximumSize(maxEvents).expireAfterWrite(ttl).executor(Runnable::run).build();
        for (int i = 0; i < LOCK_STRIPES; i++) {
            subscriberLocks[i] = new ReentrantLock();
        }
    }

    @Override
    public Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil) {
        Claim[] result = new Claim[1];
        events.asMap().compute(eventId, (id, existing) -> {
            if (existing != null && !existing.inFlight() && existing.record().done()) {
                result[0] = new Claim.AlreadyDone(existing.record());
                return existing;
            }
            if (existing != null && existing.inFlight() && clock.instant().isBefore(existing.leaseUntil())) {
                result[0] = new Claim.InFlight();
                return existing;
            }
            result[0] = new Claim.Claimed();
            return new Entry(null, owner, leaseUntil);
        });
        return result[0];
    }

    @Override
    public Optional<EventRecord> finished(String eventId) {
        Entry entry = events.getIfPresent(eventId);
        return entry == null || entry.inFlight() ? Optional.empty() : Optional.of(entry.record());
    }

    @Override
    public void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, EventRecord record) {
        events.put(eventId, new Entry(record, owner, null));
    }

    @Override
    public SubscriberLock lockSubscriber(String subscriber, Duration wait) throws SubscriberBusyException, InterruptedException {
        ReentrantLock lock = subscriberLocks[Math.floorMod(subscriber.hashCode(), LOCK_STRIPES)];
        if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new SubscriberBusyException(subscriber);
        }
        return new SubscriberLock() {
            @Override
            public Optional<Instant> lastApplied() {
                return Optional.ofNullable(lastApplied.getIfPresent(subscriber));
            }

            @Override
            public void applied(Instant eventTime, String eventId) {
                lastApplied.asMap().merge(subscriber, eventTime, (old, now) -> now.isAfter(old) ? now : old);
            }

            @Override
            public void close() {
                lock.unlock();
            }
        };
    }

    @Override
    public void purgeFinishedBefore(Instant cutoff) {
        events.cleanUp();
    }

    @Override
    public void close() {
        events.invalidateAll();
    }
}
