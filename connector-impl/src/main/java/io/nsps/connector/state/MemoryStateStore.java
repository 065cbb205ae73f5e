package io.nsps.connector.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code STATE_STORE=memory}: the state of one instance, bounded in size (Caffeine), lost on
 * restart. Correct for a single instance; several instances need the postgres store.
 *
 * <p>It remembers up to {@code maxEvents} events, so each costs as little as it can: the event id
 * is kept as a {@link UUID} when it is one (NSPS's are), and a finished event's value is its
 * {@link EventRecord}, shared with the events answered the same way when that answer is a common
 * one: about 300 bytes per event with its subscriber's order entry when the answer is shared (the
 * {@code log} handler's), ~400 when it names the event (hlr-hss's), against ~500 when each event
 * had a wrapper, a record and the id's text of its own.
 */
public final class MemoryStateStore implements StateStore {

    private static final int LOCK_STRIPES = 1024;
    private static final int COMMON_RECORDS = 256;

    /** A claim being processed; a finished event's value is its {@link EventRecord} instead. */
    private record InFlight(String owner, Instant leaseUntil) {
    }

    /** Event key ({@link #key}) to {@link InFlight} or {@link EventRecord}. */
    private final Cache<Object, Object> events;
    /**
     * The answers seen most often, by Caffeine's frequency-based admission, so that events answered
     * alike share one record. Bounded, and not an interner: an answer that names its event (most
     * handlers') is never seen twice, and an interner's entry per event cost ~85 bytes more than
     * the record it would have shared (measured with hlr-hss).
     */
    private final Cache<EventRecord, EventRecord> commonRecords;
    private final Cache<String, Instant> lastApplied;
    private final ReentrantLock[] subscriberLocks = new ReentrantLock[LOCK_STRIPES];
    private final Clock clock;

    public MemoryStateStore(long maxEvents, Duration ttl, Clock clock) {
        this.clock = clock;
        // Eviction and expiry run on the calling thread: handing them to the common pool cost a thread
        // wake-up on most writes (about 4% of a request's CPU under load) for work that takes less.
        this.events = Caffeine.newBuilder().maximumSize(maxEvents).expireAfterWrite(ttl).executor(Runnable::run).build();
        this.lastApplied = Caffeine.newBuilder().maximumSize(maxEvents).expireAfterWrite(ttl).executor(Runnable::run).build();
        this.commonRecords = Caffeine.newBuilder().maximumSize(COMMON_RECORDS).executor(Runnable::run).build();
        for (int i = 0; i < LOCK_STRIPES; i++) {
            subscriberLocks[i] = new ReentrantLock();
        }
    }

    @Override
    public Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil) {
        Claim[] result = new Claim[1];
        events.asMap().compute(key(eventId), (id, existing) -> {
            if (existing instanceof EventRecord record && record.done()) {
                result[0] = new Claim.AlreadyDone(record);
                return existing;
            }
            if (existing instanceof InFlight inFlight && clock.instant().isBefore(inFlight.leaseUntil())) {
                result[0] = new Claim.InFlight();
                return existing;
            }
            result[0] = new Claim.Claimed();
            return new InFlight(owner, leaseUntil);
        });
        return result[0];
    }

    @Override
    public Optional<EventRecord> finished(String eventId) {
        return events.getIfPresent(key(eventId)) instanceof EventRecord record ? Optional.of(record) : Optional.empty();
    }

    @Override
    public void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, EventRecord record) {
        events.put(key(eventId), commonRecords.get(record, seen -> seen));
    }

    /** The id as a {@link UUID} (32 bytes) when it is one in canonical form, else the text itself (~80 bytes for 36 characters). */
    private static Object key(String eventId) {
        if (eventId.length() == 36) {
            try {
                UUID uuid = UUID.fromString(eventId);
                if (uuid.toString().equals(eventId)) {
                    return uuid;
                }
            } catch (IllegalArgumentException notAUuid) {
                // kept as text
            }
        }
        return eventId;
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
