package io.nsps.connector.state;

import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.state.postgres.PostgresStateStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.testing.PostgresDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The same contract, held by the memory store and by the postgres store on a real PostgreSQL server. */
final class StateStoreContractTest {

    static final EventFingerprint FINGERPRINT = new EventFingerprint(42, java.time.Instant.parse("2025-06-09T17:44:21Z"));

    abstract static class Contract {

        StateStore store;

        abstract StateStore open();

        @AfterEach
        void close() {
            if (store != null) {
                store.close();
            }
        }

        @Test
        void newEventIsClaimedAndThenInFlight() {
            store = open();
            String id = newId();

            assertThat(store.claim(id, "SIM/Updated", "imsi:1", "a", inAMinute())).isInstanceOf(Claim.Claimed.class);
            assertThat(store.claim(id, "SIM/Updated", "imsi:1", "b", inAMinute())).isInstanceOf(Claim.InFlight.class);
            assertThat(store.finished(id)).isEmpty();
        }

        @Test
        void doneEventIsNeverClaimedAgain() {
            store = open();
            String id = newId();
            store.claim(id, "SIM/Updated", null, "a", inAMinute());
            Outcome.Done done = new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM 1");

            store.finish(id, "SIM/Updated", null, "a", Instant.now(), done, FINGERPRINT);

            assertThat(store.claim(id, "SIM/Updated", null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(store.finished(id)).contains(done);
        }

        @Test
        void failedEventIsClaimedAgain() {
            store = open();
            String id = newId();
            store.claim(id, "SIM/Updated", null, "a", inAMinute());
            Outcome failed = new Outcome.Failed(Outcome.Failed.Failure.UPSTREAM_UNAVAILABLE, "HLR down", "timeout", java.time.Duration.ofSeconds(30), java.util.List.of());

            store.finish(id, "SIM/Updated", null, "a", Instant.now(), failed, FINGERPRINT);

            assertThat(store.finished(id)).contains(failed);
            assertThat(store.claim(id, "SIM/Updated", null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }

        @Test
        void idsAreComparedAsTextWhetherOrNotTheyAreUuids() {
            // The memory store keeps a canonical UUID id as a java.util.UUID: its upper-case twin is still another event.
            store = open();
            String id = newId();
            String upperCaseTwin = id.toUpperCase(java.util.Locale.ROOT);
            String notAUuid = "pb-event-" + id.substring(0, 8);
            Outcome.Done done = new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM 1");
            for (String each : new String[] {id, notAUuid}) {
                store.claim(each, "SIM/Updated", null, "a", inAMinute());
                store.finish(each, "SIM/Updated", null, "a", Instant.now(), done, FINGERPRINT);
            }

            assertThat(store.claim(id, "SIM/Updated", null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(store.claim(notAUuid, "SIM/Updated", null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(store.claim(upperCaseTwin, "SIM/Updated", null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }

        @Test
        void eventsAnsweredAlikeKeepTheirOwnOutcomes() {
            // The memory store shares one record between events answered alike: a later outcome of one is its own.
            store = open();
            String first = newId();
            String second = newId();
            Outcome failed = new Outcome.Failed(Outcome.Failed.Failure.UPSTREAM_UNAVAILABLE, "HLR down", "timeout", java.time.Duration.ofSeconds(30), java.util.List.of());
            Outcome.Done done = new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM 1");
            for (String each : new String[] {first, second}) {
                store.claim(each, "SIM/Updated", null, "a", inAMinute());
                store.finish(each, "SIM/Updated", null, "a", Instant.now(), failed, FINGERPRINT);
            }

            store.claim(first, "SIM/Updated", null, "a", inAMinute());
            store.finish(first, "SIM/Updated", null, "a", Instant.now(), done, FINGERPRINT);

            assertThat(store.finished(first)).contains(done);
            assertThat(store.finished(second)).contains(failed);
            assertThat(store.claim(second, "SIM/Updated", null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }

        @Test
        void expiredClaimOfACrashedInstanceIsTakenOver() {
            store = open();
            String id = newId();
            store.claim(id, "SIM/Updated", null, "crashed", Instant.now().minusSeconds(1));

            assertThat(store.claim(id, "SIM/Updated", null, "survivor", inAMinute())).isInstanceOf(Claim.Claimed.class);
            assertThat(store.claim(id, "SIM/Updated", null, "third", inAMinute())).isInstanceOf(Claim.InFlight.class);
        }

        @Test
        void subscriberIsHeldByOneDeliveryAtATime() throws Exception {
            store = open();
            String subscriber = "imsi:" + newId();
            SubscriberLock first = store.lockSubscriber(subscriber, Duration.ofSeconds(1));

            // A lock is closed on the thread that took it: the second delivery works on its own thread.
            CompletableFuture<java.util.Optional<Instant>> second = CompletableFuture.supplyAsync(() -> {
                try (SubscriberLock taken = store.lockSubscriber(subscriber, Duration.ofSeconds(5))) {
                    java.util.Optional<Instant> seen = taken.lastApplied();
                    taken.applied(Instant.parse("2025-06-09T17:00:00Z"), "older");
                    return seen;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !second.isDone());
            first.applied(Instant.parse("2025-06-09T17:44:22Z"), "e-1");
            first.close();
            assertThat(second.get(5, TimeUnit.SECONDS)).contains(Instant.parse("2025-06-09T17:44:22Z"));
            try (SubscriberLock again = store.lockSubscriber(subscriber, Duration.ofSeconds(1))) {
                assertThat(again.lastApplied()).as("an older time never replaces a newer one").contains(Instant.parse("2025-06-09T17:44:22Z"));
            }
        }

        @Test
        void busySubscriberTimesOut() throws Exception {
            store = open();
            String subscriber = "account:" + newId();
            try (SubscriberLock held = store.lockSubscriber(subscriber, Duration.ofSeconds(1))) {
                CompletableFuture<Void> other = CompletableFuture.runAsync(() -> assertThatThrownBy(
                        () -> store.lockSubscriber(subscriber, Duration.ofMillis(200))).isInstanceOf(StateStore.SubscriberBusyException.class));
                other.get(5, TimeUnit.SECONDS);
            }
        }

        @Test
        void theFailedListHoldsEachEventsLatestDeliveryOnly() {
            store = open();
            String recovered = newId();
            String stillFailed = newId();
            deliver(recovered, FAILED, null);
            deliver(recovered, new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok"), null);
            deliver(stillFailed, FAILED, null);
            deliver(stillFailed, FAILED, null);

            List<Journal.Entry> failed = store.journal(new Journal.Query(true, null, null, null, 100));

            assertThat(failed).extracting(Journal.Entry::eventId).containsExactly(stillFailed);
            assertThat(store.journal(new Journal.Query(false, null, null, null, 100))).hasSize(4);
        }

        @Test
        void aBodyOlderThanItsRetentionIsNeverReturnedAndThePurgeDropsIt() {
            store = open();
            String id = newId();
            byte[] body = "{\"event_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            deliver(id, FAILED, body);
            deliver(id, new Outcome.Done(Outcome.Done.Result.PROCESSED, "replayed"), null);

            assertThat(store.journalBody(id, Instant.now().minusSeconds(3600))).as("a later entry without a body hides nothing")
                    .hasValueSatisfying(kept -> assertThat(kept).isEqualTo(body));
            assertThat(store.journalBody(id, Instant.now().plusSeconds(1))).as("older than the retention: never returned").isEmpty();
            store.purgeJournalBodiesBefore(Instant.now().minusSeconds(3600));
            assertThat(store.journalBody(id, Instant.EPOCH)).isPresent();
            store.purgeJournalBodiesBefore(Instant.now().plusSeconds(1));
            assertThat(store.journalBody(id, Instant.EPOCH)).as("purged").isEmpty();
            assertThat(store.journal(new Journal.Query(false, null, id, null, 10))).extracting(Journal.Entry::bodyKept).containsOnly(false);
        }

        static final Outcome.Failed FAILED = new Outcome.Failed(Outcome.Failed.Failure.UPSTREAM_UNAVAILABLE, "down", "HLR down");

        void deliver(String id, Outcome outcome, byte[] body) {
            assertThat(store.claim(id, "SIM/Updated", "imsi:1", "a", inAMinute(), true)).isInstanceOf(Claim.Claimed.class);
            store.finish(id, "SIM/Updated", "imsi:1", "a", Instant.now(), outcome, FINGERPRINT, new Journal.Record(List.of(), body, false));
        }

        static Instant inAMinute() {
            return Instant.now().plusSeconds(60);
        }

        static String newId() {
            return UUID.randomUUID().toString();
        }
    }

    @Nested
    final class Memory extends Contract {
        @Override
        StateStore open() {
            return new MemoryStateStore(10_000, Duration.ofDays(35), Clock.systemUTC(), 1000, 1 << 20);
        }
    }

    @Nested
    final class Postgres extends Contract {

        private String schema;

        @Override
        StateStore open() {
            PostgresDatabase.assumeReachable();
            schema = PostgresDatabase.freshSchema();
            return PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD, schema, 4, java.time.Duration.ofSeconds(5));
        }

        @AfterEach
        void dropSchema() {
            if (schema != null) {
                PostgresDatabase.dropSchema(schema);
            }
        }

        @Test
        void finishedEventsAreForgottenAfterTheTtlAndJournalled() {
            store = open();
            String id = newId();
            store.claim(id, "SIM/Deleted", "imsi:9", "a", inAMinute());
            store.finish(id, "SIM/Deleted", "imsi:9", "a", Instant.now(), new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok"), FINGERPRINT);

            store.purgeFinishedBefore(Instant.now().minusSeconds(3600));
            assertThat(store.finished(id)).isPresent();
            store.purgeFinishedBefore(Instant.now().plusSeconds(60));
            assertThat(store.finished(id)).isEmpty();
            assertThat(store.claim(id, "SIM/Deleted", "imsi:9", "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }
    }
}
