package io.nsps.connector.state.memory;

import io.nsps.connector.state.Claim;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.Deliveries;
import io.nsps.connector.state.Delivery;
import io.nsps.connector.state.Journal;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.spi.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What the memory store adds to the contract every store holds (StateStoreContractTest): its bounds. */
final class MemoryStateStoreTest {

    static final EventFingerprint FINGERPRINT = new EventFingerprint(42, java.time.Instant.parse("2025-06-09T17:44:21Z"));

    private static final Outcome DONE = new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok");

    private final TestClock clock = TestClock.now();

    @Test
    void remembersTheNewestEventsUpToItsBound() {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        List<String> ids = ids(5_000);
        for (String id : ids) {
            Deliveries.deliver(store, id, null, DONE, null);
        }

        long remembered = ids.stream().filter(id -> store.finished(id).isPresent()).count();
        assertThat(remembered).isBetween(875L, 1_008L);
        assertThat(ids.subList(0, 3_000)).noneMatch(id -> store.finished(id).isPresent());
        assertThat(ids.subList(4_600, 5_000)).allMatch(id -> Deliveries.claim(store, id, null, "b", clock.instant())
                instanceof Claim.AlreadyDone);
    }

    @Test
    void forgetsEventsAndSubscribersAfterTheTtl() throws Exception {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        String id = UUID.randomUUID().toString();
        Deliveries.deliver(store, id, "imsi:001010000000001", DONE, Instant.parse("2026-11-27T10:00:00Z"));

        clock.advance(Duration.ofDays(35).minusSeconds(1));
        assertThat(store.finished(id)).contains(DONE);
        assertThat(lastApplied(store, "imsi:001010000000001")).isPresent();

        clock.advance(Duration.ofSeconds(2));
        assertThat(store.finished(id)).isEmpty();
        assertThat(lastApplied(store, "imsi:001010000000001")).isEmpty();
        assertThat(Deliveries.claim(store, id, null, "b", clock.instant().plusSeconds(60))).isInstanceOf(Claim.Claimed.class);
    }

    @Test
    void subscribersAreKeptExactlyWhateverTheirShape() throws Exception {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        // Kept as numbers: leading zeros, prefix and the digits' count all count; the rest as text.
        List<String> subscribers = List.of("imsi:001010000000001", "imsi:1010000000001", "imsi:01010000000001", "account:1010000000001",
                "imsi:999999999999999999", "imsi:1000000000000000000", "prefixes:1", "imsi:12a", "imsi:", ":1", "imsi:1:2", "imsi:-1",
                "imsí:1", "account:7");
        Instant base = Instant.parse("2026-11-27T10:00:00.123456789Z");
        for (int i = 0; i < subscribers.size(); i++) {
            Deliveries.deliver(store, "e-" + i, subscribers.get(i), DONE, base.plusSeconds(i));
        }

        for (int i = 0; i < subscribers.size(); i++) {
            assertThat(lastApplied(store, subscribers.get(i))).as(subscribers.get(i)).contains(base.plusSeconds(i));
        }
        assertThat(lastApplied(store, "imsi:2")).isEmpty();
        assertThat(lastApplied(store, "account:001010000000001")).isEmpty();
    }

    @Test
    void eventIdsAreKeptApartWhateverTheirShape() {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        // A canonical UUID is kept as numbers; any other id (upper case, no dashes, not a UUID) as text.
        // "Aa" and "BB" have the same String hash: only equality tells them apart.
        String uuid = "3e84c79f-ab6f-4546-8e27-0b6ab866f1fb";
        List<String> ids = List.of(uuid, uuid.toUpperCase(), uuid.replace("-", ""), "evt-1", "evt-2", "1", "", "Aa", "BB");
        Map<String, Delivery> claims = new java.util.HashMap<>();
        for (String id : ids) {
            Claim claim = Deliveries.claim(store, id, null, "a", clock.instant().plusSeconds(60));
            assertThat(claim).as("first claim of '%s'", id).isInstanceOf(Claim.Claimed.class);
            claims.put(id, ((Claim.Claimed) claim).delivery());
        }
        for (String id : ids) {
            assertThat(Deliveries.claim(store, id, null, "b", clock.instant().plusSeconds(60))).as("'%s' while in flight", id)
                    .isInstanceOf(Claim.InFlight.class);
        }

        claims.get("evt-1").finish(DONE, null, FINGERPRINT, clock.instant(), Journal.Record.NONE);

        assertThat(store.finished("evt-1")).contains(DONE);
        assertThat(ids.stream().filter(id -> !id.equals("evt-1"))).allMatch(id -> store.finished(id).isEmpty());
        assertThat(Deliveries.claim(store, "evt-2", null, "b", clock.instant().plusSeconds(60))).isInstanceOf(Claim.InFlight.class);
        assertThat(store.claimsInFlight()).isEqualTo(ids.size() - 1);
    }

    @Test
    void eventTimesAreKeptToTheNanosecondAndBeyondANanosecondCount() throws Exception {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        for (Instant time : new Instant[] {Instant.parse("2026-11-27T10:00:00.000000001Z"), Instant.parse("3000-01-01T00:00:00.5Z"),
                Instant.parse("1600-01-01T00:00:00Z"), Instant.EPOCH.minusNanos(1)}) {
            String subscriber = "account:" + time.getEpochSecond();
            Deliveries.deliver(store, "e-" + time, subscriber, DONE, time);
            Deliveries.deliver(store, "older-" + time, subscriber, DONE, time.minusNanos(1));
            assertThat(lastApplied(store, subscriber)).contains(time);
        }
    }

    @Test
    void claimsThatNeverFinishAreForgottenOnceTheirLeaseRanOut() {
        MemoryStateStore store = new MemoryStateStore(1_000, Duration.ofDays(35), clock);
        for (String id : ids(10_000)) {
            Deliveries.claim(store, id, null, "crashed", clock.instant().plusSeconds(60));
            clock.advance(Duration.ofMillis(100));
        }

        // 10 000 claims, but only those of the last minute (600) may still be in flight.
        assertThat(store.claimsInFlight()).isBetween(600, 2 * 600 + 16 * 64);

        clock.advance(Duration.ofMinutes(2));
        store.purgeFinishedBefore(clock.instant().minus(Duration.ofDays(35)));
        assertThat(store.claimsInFlight()).isZero();
    }

    private static Optional<Instant> lastApplied(MemoryStateStore store, String subscriber) {
        return Deliveries.lastApplied(store, subscriber);
    }

    /** Random UUIDs from a fixed seed, so that their spread over the store's segments is the same on every run. */
    private static List<String> ids(int count) {
        Random random = new Random(20261127);
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(new UUID(random.nextLong() & ~0xF000L | 0x4000L, random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L).toString());
        }
        return ids;
    }
}
