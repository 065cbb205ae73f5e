package io.nsps.connector.state.memory;

import io.nsps.connector.state.Claim;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.Delivery;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code STATE_STORE=memory}: the state of one instance, bounded in size, lost on restart. Correct
 * for a single instance; several instances need the postgres store.
 *
 * <p>It remembers up to {@code maxEvents} finished events and as many subscribers' last applied
 * times, each for {@code ttl} after it was written, the oldest written going first when full. Both
 * live in {@link CompactFifoMap}s, so that a full store is small and costs the garbage collector
 * little: an event id that is a canonical UUID is kept as two longs, a subscriber such as
 * {@code imsi:001010123456789} as its digits and its prefix packed in two longs, an event time as
 * nanoseconds, and a finished event's answer is shared with the events answered alike when it is a
 * common one; the collector has no references to trace in its arrays but the answers'
 * ({@code MemoryStoreFootprint} measures it; docs/performance.md has the figures, against Caffeine
 * entries of objects). The maps are split in segments, each with its own lock, held for a lookup or a write
 * only. Each finished event also keeps its {@link EventFingerprint} (8 bytes).
 *
 * <p>Keys are bounded ({@link StoredText#key}: an id longer than 200 characters is kept as its
 * 71-character digest), so a full store's size is bounded in bytes too, whatever ids the sender uses.
 * Subscriber locks are one per subscriber held or waited for, so unrelated subscribers never wait
 * for each other.
 */
public final class MemoryStateStore implements StateStore {

    private static final int SEGMENTS = 16;
    private static final int COMMON_OUTCOMES = 256;
    private static final int FIRST_IN_FLIGHT_SWEEP = 64;

    /** A claim being processed. */
    private record InFlight(String owner, Instant leaseUntil) {
    }

    /** Finished events (value: the {@link Outcome}) and the claims in flight, of the ids whose hash falls here. */
    private static final class EventSegment {
        final CompactFifoMap finished;
        final Map<EventKey, InFlight> inFlight = new HashMap<>();
        int sweepInFlightAt = FIRST_IN_FLIGHT_SWEEP;

        EventSegment(int maxEntries) {
            // The number of each entry is its EventFingerprint, packed.
            finished = new CompactFifoMap(maxEntries, true);
        }
    }

    private final EventSegment[] eventSegments = new EventSegment[SEGMENTS];
    /** Subscriber to the time of the newest event applied to it: value = epoch nanoseconds, or the {@link Instant} as ref beyond them. */
    private final CompactFifoMap[] lastApplied = new CompactFifoMap[SEGMENTS];
    /**
     * The answers seen most often, by Caffeine's frequency-based admission, so that events answered
     * alike share one record. Bounded, and not an interner: an answer that names its event (most
     * handlers') is never seen twice, and an interner's entry per event costs more than the record
     * it would have shared (docs/performance.md).
     */
    private final Cache<Outcome, Outcome> commonOutcomes;
    /** A lock per subscriber while some delivery holds or waits for it; none otherwise. */
    private final ConcurrentHashMap<String, SubscriberMutex> subscriberLocks = new ConcurrentHashMap<>();
    private final long ttlMillis;
    private final Clock clock;

    private final MemoryJournal journal;

    /** A store without a journal (the connector's is configured: JOURNAL_MEMORY_*). */
    public MemoryStateStore(long maxEvents, Duration ttl, Clock clock) {
        this(maxEvents, ttl, clock, 0, 0);
    }

    /**
     * @param journalEntries deliveries the journal keeps, at most (0: none)
     * @param journalBodyBytes bytes of event bodies the journal keeps, at most, for replays
     */
    public MemoryStateStore(long maxEvents, Duration ttl, Clock clock, int journalEntries, long journalBodyBytes) {
        this.journal = new MemoryJournal(journalEntries, journalBodyBytes);
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
        int perSegment = (int) Math.min(Integer.MAX_VALUE / 4, (maxEvents + SEGMENTS - 1) / SEGMENTS);
        for (int i = 0; i < SEGMENTS; i++) {
            eventSegments[i] = new EventSegment(perSegment);
            lastApplied[i] = new CompactFifoMap(perSegment, true);
        }
        this.commonOutcomes = Caffeine.newBuilder().maximumSize(COMMON_OUTCOMES).executor(Runnable::run).build();
    }

    @Override
    public Claim claim(Claim.Request request) {
        EventKey key = EventKey.of(request.eventId());
        EventSegment segment = eventSegments[segmentOf(key.hash)];
        synchronized (segment) {
            long now = clock.millis();
            segment.finished.removeWrittenBefore(now - ttlMillis);
            int slot = segment.finished.find(key.hi, key.lo, key.text, key.hash);
            Outcome outcome = slot < 0 ? null : (Outcome) segment.finished.ref(slot);
            if (outcome instanceof Outcome.Done done && !request.evenIfDone()) {
                return new Claim.AlreadyDone(done, EventFingerprint.unpacked(segment.finished.value(slot)));
            }
            InFlight inFlight = segment.inFlight.get(key);
            if (inFlight != null && now < inFlight.leaseUntil().toEpochMilli()) {
                return new Claim.InFlight();
            }
            if (slot >= 0) {
                // A failed event taken again: while it runs it has no finished outcome.
                segment.finished.remove(slot);
            }
            if (segment.inFlight.size() >= segment.sweepInFlightAt) {
                // Claims end when they finish; this only bounds those whose delivery never finished.
                segment.inFlight.values().removeIf(claim -> claim.leaseUntil().toEpochMilli() <= now);
                segment.sweepInFlightAt = Math.max(FIRST_IN_FLIGHT_SWEEP, 2 * segment.inFlight.size());
            }
            segment.inFlight.put(key, new InFlight(request.owner(), request.leaseUntil()));
        }
        MemoryDelivery delivery = new MemoryDelivery(request, key);
        delivery.holdSubscriber(request.subscriberWait());
        return new Claim.Claimed(delivery);
    }

    @Override
    public Optional<Outcome> finished(String eventId) {
        EventKey key = EventKey.of(eventId);
        EventSegment segment = eventSegments[segmentOf(key.hash)];
        synchronized (segment) {
            segment.finished.removeWrittenBefore(clock.millis() - ttlMillis);
            int slot = segment.finished.find(key.hi, key.lo, key.text, key.hash);
            return slot < 0 ? Optional.empty() : Optional.of((Outcome) segment.finished.ref(slot));
        }
    }

    /** A claimed event, and its subscriber's lock (and its second subscriber's, if any) while this delivery holds it. */
    private final class MemoryDelivery implements Delivery {
        private final Claim.Request request;
        private final EventKey key;
        private SubscriberMutex mutex;
        private SubscriberKey subscriberKey;
        private SubscriberMutex alsoMutex;
        private SubscriberKey alsoKey;
        private boolean holdsSubscriber;

        MemoryDelivery(Claim.Request request, EventKey key) {
            this.request = request;
            this.key = key;
        }

        /**
         * Takes the subscriber's lock, then the second subscriber's, both within {@code wait}; a wait
         * that runs out or is interrupted (the flag kept) leaves neither held.
         */
        void holdSubscriber(Duration wait) {
            String subscriber = request.subscriber();
            if (subscriber == null) {
                holdsSubscriber = true;
                return;
            }
            long waitUntil = System.nanoTime() + wait.toNanos();
            mutex = lock(subscriber, wait);
            if (mutex == null) {
                return;
            }
            subscriberKey = SubscriberKey.of(subscriber);
            if (request.alsoSubscriber() != null) {
                alsoMutex = lock(request.alsoSubscriber(), Duration.ofNanos(Math.max(0, waitUntil - System.nanoTime())));
                if (alsoMutex == null) {
                    subscriberKey = null;
                    close();
                    return;
                }
                alsoKey = SubscriberKey.of(request.alsoSubscriber());
            }
            holdsSubscriber = true;
        }

        /** The subscriber's lock, held; null when it was not had within {@code wait}. */
        private SubscriberMutex lock(String subscriber, Duration wait) {
            SubscriberMutex lock = subscriberLocks.compute(subscriber, (name, held) -> {
                SubscriberMutex mutex = held == null ? new SubscriberMutex() : held;
                mutex.users++;
                return mutex;
            });
            boolean held = false;
            try {
                held = lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (held) {
                return lock;
            }
            leave(subscriber, lock);
            return null;
        }

        @Override
        public boolean holdsSubscriber() {
            return holdsSubscriber;
        }

        @Override
        public Optional<Instant> lastApplied() {
            return subscriberKey == null ? Optional.empty() : lastAppliedTo(subscriberKey);
        }

        @Override
        public void finish(Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt, Journal.Record record) {
            if (applied != null && subscriberKey != null) {
                recordApplied(subscriberKey, applied);
                if (alsoKey != null) {
                    recordApplied(alsoKey, applied);
                }
            }
            journal.add(new Journal.Entry(0, request.eventId(), request.eventType(), request.subscriber(), request.alsoSubscriber(),
                    request.owner(), receivedAt, clock.instant(), outcome, record.calls(), record.replay(), record.body() != null), record.body());
            Outcome shared = commonOutcomes.get(outcome, seen -> seen);
            EventSegment segment = eventSegments[segmentOf(key.hash)];
            synchronized (segment) {
                long now = clock.millis();
                segment.finished.removeWrittenBefore(now - ttlMillis);
                segment.inFlight.remove(key);
                int slot = segment.finished.put(key.hi, key.lo, key.text, key.hash, now);
                segment.finished.ref(slot, shared);
                segment.finished.value(slot, fingerprint.packed());
            }
            close();
        }

        /** Keeps {@code eventTime} as the subscriber's last applied time unless a newer one is recorded. */
        private void recordApplied(SubscriberKey subscriberKey, Instant eventTime) {
            CompactFifoMap times = lastApplied[segmentOf(subscriberKey.hash)];
            synchronized (times) {
                long now = clock.millis();
                times.removeWrittenBefore(now - ttlMillis);
                int slot = times.find(subscriberKey.hi, subscriberKey.lo, subscriberKey.text, subscriberKey.hash);
                Instant known = slot < 0 ? null : timeAt(times, slot);
                Instant newest = known != null && !eventTime.isAfter(known) ? known : eventTime;
                slot = times.put(subscriberKey.hi, subscriberKey.lo, subscriberKey.text, subscriberKey.hash, now);
                Long nanos = epochNanos(newest);
                if (nanos != null) {
                    times.value(slot, nanos);
                } else {
                    times.ref(slot, newest);
                }
            }
        }

        @Override
        public void close() {
            if (alsoMutex != null) {
                alsoMutex.unlock();
                leave(request.alsoSubscriber(), alsoMutex);
                alsoMutex = null;
            }
            if (mutex != null) {
                mutex.unlock();
                leave(request.subscriber(), mutex);
                mutex = null;
            }
        }
    }

    @Override
    public Optional<Instant> lastApplied(String subscriber) {
        return lastAppliedTo(SubscriberKey.of(subscriber));
    }

    private Optional<Instant> lastAppliedTo(SubscriberKey key) {
        CompactFifoMap times = lastApplied[segmentOf(key.hash)];
        synchronized (times) {
            times.removeWrittenBefore(clock.millis() - ttlMillis);
            int slot = times.find(key.hi, key.lo, key.text, key.hash);
            return slot < 0 ? Optional.empty() : Optional.of(timeAt(times, slot));
        }
    }

    /** One delivery less holds or waits for the subscriber's lock; the last one removes it. */
    private void leave(String subscriber, SubscriberMutex lock) {
        subscriberLocks.computeIfPresent(subscriber, (key, held) -> --held.users == 0 ? null : held);
    }

    /** Subscriber locks in use (for tests). */
    int subscriberLocksHeld() {
        return subscriberLocks.size();
    }

    /** A subscriber's lock, with the number of deliveries that hold or wait for it (changed under the map's lock). */
    private static final class SubscriberMutex extends ReentrantLock {
        private static final long serialVersionUID = 1L;
        int users;
    }

    private static Instant timeAt(CompactFifoMap times, int slot) {
        Object beyondNanos = times.ref(slot);
        return beyondNanos != null ? (Instant) beyondNanos : Instant.EPOCH.plusNanos(times.value(slot));
    }

    /** Nanoseconds since the epoch (years 1677 to 2262), or null beyond. */
    private static Long epochNanos(Instant time) {
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException beyondALong) {
            return null;
        }
    }

    @Override
    public void journalRefusal(String eventId, String eventType, String instance, Instant receivedAt, Outcome.Failed outcome) {
        journal.add(new Journal.Entry(0, eventId, eventType, null, null, instance, receivedAt, clock.instant(), outcome, List.of(), false,
                false), null);
    }

    @Override
    public List<Journal.Entry> journal(Journal.Query query) {
        return journal.find(query);
    }

    @Override
    public Optional<byte[]> journalBody(String eventId, Instant keptSince) {
        return journal.body(eventId, keptSince);
    }

    @Override
    public void purgeJournalBodiesBefore(Instant cutoff) {
        journal.dropBodiesBefore(cutoff);
    }

    @Override
    public void purgeFinishedBefore(Instant cutoff) {
        long now = clock.millis();
        for (int i = 0; i < SEGMENTS; i++) {
            EventSegment segment = eventSegments[i];
            synchronized (segment) {
                segment.finished.removeWrittenBefore(cutoff.toEpochMilli());
                segment.inFlight.values().removeIf(claim -> claim.leaseUntil().toEpochMilli() <= now);
            }
            synchronized (lastApplied[i]) {
                lastApplied[i].removeWrittenBefore(now - ttlMillis);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < SEGMENTS; i++) {
            synchronized (eventSegments[i]) {
                eventSegments[i].finished.clear();
                eventSegments[i].inFlight.clear();
            }
            synchronized (lastApplied[i]) {
                lastApplied[i].clear();
            }
        }
    }

    /** Claims held, finished or not yet forgotten after their lease ran out (for tests). */
    int claimsInFlight() {
        int count = 0;
        for (EventSegment segment : eventSegments) {
            synchronized (segment) {
                count += segment.inFlight.size();
            }
        }
        return count;
    }

    /** The top bits of the hash: the maps' indexes use its bottom ones. */
    private static int segmentOf(int hash) {
        return hash >>> 28;
    }

    /**
     * An event id as a {@link CompactFifoMap} key: a UUID in canonical (lower-case) form as its two
     * halves, any other id as its text (so that ids are compared as text, as the postgres store does).
     * Also the key of the claims in flight: equal ids give equal records.
     */
    private record EventKey(long hi, long lo, String text, int hash) {

        static EventKey of(String eventId) {
            if (eventId.length() == 36) {
                try {
                    UUID uuid = UUID.fromString(eventId);
                    if (uuid.toString().equals(eventId)) {
                        long hi = uuid.getMostSignificantBits();
                        long lo = uuid.getLeastSignificantBits();
                        return new EventKey(hi, lo, null, CompactFifoMap.hash(hi, lo, null));
                    }
                } catch (IllegalArgumentException notAUuid) {
                    // kept as text
                }
            }
            return new EventKey(0, 0, eventId, CompactFifoMap.hash(0, 0, eventId));
        }

        // Written out: the hash is computed once, by of(); the generated methods would combine all
        // four fields, and be linked (through invokedynamic) during the first event's request.
        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof EventKey key && hi == key.hi && lo == key.lo && Objects.equals(text, key.text);
        }
    }

    /**
     * A subscriber as a {@link CompactFifoMap} key: {@code <prefix>:<digits>} with a prefix of 1 to 7
     * ASCII characters (such as {@code imsi} or {@code account}) and 1 to 18 digits is kept as the
     * digits' value and the prefix's bytes with the digits' count (so that leading zeros count);
     * anything else as its text.
     */
    private record SubscriberKey(long hi, long lo, String text, int hash) {

        static SubscriberKey of(String subscriber) {
            int colon = subscriber.indexOf(':');
            int digits = subscriber.length() - colon - 1;
            if (colon >= 1 && colon <= 7 && digits >= 1 && digits <= 18) {
                long packedPrefix = 0;
                boolean packable = true;
                for (int i = 0; i < colon && packable; i++) {
                    char c = subscriber.charAt(i);
                    packable = c > 0 && c < 128;
                    packedPrefix = packedPrefix << 8 | c;
                }
                long value = 0;
                for (int i = colon + 1; i < subscriber.length() && packable; i++) {
                    char c = subscriber.charAt(i);
                    packable = c >= '0' && c <= '9';
                    value = value * 10 + (c - '0');
                }
                if (packable) {
                    long lo = packedPrefix << 8 | digits;
                    return new SubscriberKey(value, lo, null, CompactFifoMap.hash(value, lo, null));
                }
            }
            return new SubscriberKey(0, 0, subscriber, CompactFifoMap.hash(0, 0, subscriber));
        }
    }
}
