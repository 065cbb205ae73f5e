package io.nsps.connector.bench;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.state.Claim;
import io.nsps.connector.state.Delivery;
import io.nsps.connector.state.Journal;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Prints the heap a full memory store retains: {@code STATE_MEMORY_MAX_EVENTS} events with UUID ids,
 * each of its own subscriber with a last-applied time, answered as the {@code log} handler answers
 * (a shared record) or, with {@code --own-answers}, each with an answer naming it (as hlr-hss's do).
 * Run by {@code scripts/bench.sh} with the JMH step; alone:
 * {@code java -XX:+UseSerialGC -cp <test classpath> io.nsps.connector.bench.MemoryStoreFootprint [events] [--own-answers]}.
 */
public final class MemoryStoreFootprint {

    static final EventFingerprint FINGERPRINT = new EventFingerprint(42, java.time.Instant.parse("2025-06-09T17:44:21Z"));

    private MemoryStoreFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 200_000;
        boolean ownAnswers = Arrays.asList(args).contains("--own-answers");
        long before = usedHeapAfterCollection();
        MemoryStateStore store = new MemoryStateStore(events, Duration.ofDays(35), Clock.systemUTC());
        Outcome shared = new Outcome.Done(Outcome.Done.Result.PROCESSED, "Logged SIM/Updated");
        Instant eventTime = Instant.parse("2026-11-27T10:00:00Z");
        for (int i = 0; i < events; i++) {
            String id = UUID.randomUUID().toString();
            String subscriber = "imsi:" + String.format("%09d%06d", ThreadLocalRandom.current().nextInt(1_000_000_000), i % 1_000_000);
            Outcome answer = ownAnswers ? new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM " + subscriber.substring(5)) : shared;
            Claim.Claimed claim = (Claim.Claimed) store.claim(new Claim.Request(id, "SIM/Updated", subscriber, "bench", Instant.now().plusSeconds(60),
                    false, Duration.ofSeconds(1)));
            try (Delivery delivery = claim.delivery()) {
                delivery.finish(answer, eventTime.plusMillis(i), FINGERPRINT, Instant.now(), Journal.Record.NONE);
            }
        }
        long retained = usedHeapAfterCollection() - before;
        System.out.printf("memory store: %,d events (%s answers) retain %.1f MB of heap, %d bytes per event%n", events,
                ownAnswers ? "their own" : "shared", retained / 1048576.0, retained / events);
        store.close();
    }

    private static long usedHeapAfterCollection() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
