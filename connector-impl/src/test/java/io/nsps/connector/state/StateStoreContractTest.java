package io.nsps.connector.state;

import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.state.postgres.PostgresStateStore;
import static io.nsps.connector.state.Deliveries.FINGERPRINT;
import static io.nsps.connector.state.Deliveries.claim;
import static io.nsps.connector.state.Deliveries.claimed;
import static io.nsps.connector.state.Deliveries.deliver;
import static io.nsps.connector.state.Deliveries.lastApplied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.testing.PostgresDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The same contract, held by the memory store and by the postgres store on a real PostgreSQL server. */
final class StateStoreContractTest {


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
            String subscriber = "imsi:" + newId();

            Claim first = claim(store, id, subscriber, "a", inAMinute());
            try {
                assertThat(first).isInstanceOf(Claim.Claimed.class);
                assertThat(((Claim.Claimed) first).delivery().holdsSubscriber()).isTrue();
                assertThat(claim(store, id, subscriber, "b", inAMinute())).isInstanceOf(Claim.InFlight.class);
                assertThat(store.finished(id)).isEmpty();
            } finally {
                ((Claim.Claimed) first).delivery().close();
            }
        }

        @Test
        void doneEventIsNeverClaimedAgain() {
            store = open();
            String id = newId();
            Outcome.Done done = new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM 1");

            deliver(store, id, null, done, null);

            assertThat(claim(store, id, null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(store.finished(id)).contains(done);
        }

        @Test
        void aReplayTakesADoneEventAgain() {
            store = open();
            String id = newId();
            deliver(store, id, null, new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update SIM 1"), null);

            Claim replay = store.claim(new Claim.Request(id, "SIM/Updated", null, "operator", inAMinute(), true, Duration.ofSeconds(1)));

            assertThat(replay).isInstanceOf(Claim.Claimed.class);
            ((Claim.Claimed) replay).delivery().close();
            assertThat(claim(store, id, null, "b", inAMinute())).as("while the replay runs").isInstanceOf(Claim.InFlight.class);
        }

        @Test
        void failedEventIsClaimedAgain() {
            store = open();
            String id = newId();
            Outcome failed = new Outcome.Failed(Outcome.Failed.Failure.UPSTREAM_UNAVAILABLE, "HLR down", "timeout", java.time.Duration.ofSeconds(30), java.util.List.of());

            deliver(store, id, null, failed, null);

            assertThat(store.finished(id)).contains(failed);
            assertThat(claim(store, id, null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
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
                deliver(store, each, null, done, null);
            }

            assertThat(claim(store, id, null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(claim(store, notAUuid, null, "b", inAMinute())).isEqualTo(new Claim.AlreadyDone(done, FINGERPRINT));
            assertThat(claim(store, upperCaseTwin, null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
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
                deliver(store, each, null, failed, null);
            }

            deliver(store, first, null, done, null);

            assertThat(store.finished(first)).contains(done);
            assertThat(store.finished(second)).contains(failed);
            assertThat(claim(store, second, null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }

        @Test
        void expiredClaimOfACrashedInstanceIsTakenOver() {
            store = open();
            String id = newId();
            claimed(store, id, null, "crashed", Instant.now().minusSeconds(1));

            assertThat(claim(store, id, null, "survivor", inAMinute())).isInstanceOf(Claim.Claimed.class);
            assertThat(claim(store, id, null, "third", inAMinute())).isInstanceOf(Claim.InFlight.class);
        }

        @Test
        void subscriberIsHeldByOneDeliveryAtATimeAndSeesWhatThePreviousOneApplied() throws Exception {
            store = open();
            String subscriber = "imsi:" + newId();
            Delivery first = claimed(store, newId(), subscriber, "a", inAMinute());
            assertThat(first.lastApplied()).isEmpty();

            // A delivery is used and closed on the thread that claimed it: the second works on its own thread.
            CompletableFuture<java.util.Optional<Instant>> second = CompletableFuture.supplyAsync(() -> {
                Claim claim = store.claim(new Claim.Request(newId(), "SIM/Updated", subscriber, "b", inAMinute(), false, Duration.ofSeconds(10)));
                try (Delivery taken = ((Claim.Claimed) claim).delivery()) {
                    assertThat(taken.holdsSubscriber()).isTrue();
                    java.util.Optional<Instant> seen = taken.lastApplied();
                    taken.finish(new Outcome.Done(Outcome.Done.Result.PROCESSED, "older"), Instant.parse("2025-06-09T17:00:00Z"), FINGERPRINT,
                            Instant.now(), Journal.Record.NONE);
                    return seen;
                }
            });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !second.isDone());
            first.finish(new Outcome.Done(Outcome.Done.Result.PROCESSED, "newer"), Instant.parse("2025-06-09T17:44:22Z"), FINGERPRINT,
                    Instant.now(), Journal.Record.NONE);
            first.close();
            assertThat(second.get(10, TimeUnit.SECONDS)).contains(Instant.parse("2025-06-09T17:44:22Z"));
            assertThat(lastApplied(store, subscriber)).as("an older time never replaces a newer one").contains(Instant.parse("2025-06-09T17:44:22Z"));
        }

        @Test
        void busySubscriberIsNotHeldAfterTheWaitAndItsEventCanBeDeferred() throws Exception {
            store = open();
            String subscriber = "account:" + newId();
            String waiting = newId();
            try (Delivery held = claimed(store, newId(), subscriber, "a", inAMinute())) {
                CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                    Claim claim = store.claim(new Claim.Request(waiting, "SIM/Updated", subscriber, "b", inAMinute(), false, Duration.ofMillis(200)));
                    try (Delivery busy = ((Claim.Claimed) claim).delivery()) {
                        assertThat(busy.holdsSubscriber()).isFalse();
                        busy.finish(new Outcome.Deferred(Outcome.Deferred.Reason.SUBSCRIBER_BUSY, "busy", "Subscriber busy"), null, FINGERPRINT,
                                Instant.now(), Journal.Record.NONE);
                    }
                });
                other.get(10, TimeUnit.SECONDS);
                assertThat(held.holdsSubscriber()).isTrue();
            }
            assertThat(claim(store, waiting, subscriber, "c", inAMinute())).as("a deferred event runs again at its next delivery")
                    .isInstanceOf(Claim.Claimed.class);
        }

        /** A replacement: held under its new SIM and its previous one, and its time given to both. */
        @Test
        void aDeliveryOfTwoSubscribersHoldsBothAndGivesBothItsTime() throws Exception {
            store = open();
            String replaced = "imsi:" + newId();
            String added = "imsi:" + newId();
            String replacementId = newId();
            Claim claim = store.claim(new Claim.Request(replacementId, "SIM/Replaced", added, "a", inAMinute(), false, Duration.ofSeconds(1),
                    replaced));
            try (Delivery replacement = ((Claim.Claimed) claim).delivery()) {
                assertThat(replacement.holdsSubscriber()).isTrue();
                // An event of the previous SIM waits for it, as one of its own subscriber would (on its own thread).
                CompletableFuture<Boolean> ofThePrevious = CompletableFuture.supplyAsync(() -> {
                    Claim other = store.claim(new Claim.Request(newId(), "SIM/Updated", replaced, "b", inAMinute(), false, Duration.ofMillis(200)));
                    try (Delivery delivery = ((Claim.Claimed) other).delivery()) {
                        return delivery.holdsSubscriber();
                    }
                });
                assertThat(ofThePrevious.get(10, TimeUnit.SECONDS)).as("the previous SIM is held by the replacement").isFalse();
                replacement.finish(new Outcome.Done(Outcome.Done.Result.PROCESSED, "replaced"), Instant.parse("2025-06-09T17:44:22Z"),
                        FINGERPRINT, Instant.now(), Journal.Record.NONE);
            }
            assertThat(lastApplied(store, replaced)).contains(Instant.parse("2025-06-09T17:44:22Z"));
            assertThat(lastApplied(store, added)).contains(Instant.parse("2025-06-09T17:44:22Z"));
            for (String subscriber : List.of(replaced, added)) {
                // The probes (lastApplied above, heldByNobody below) journal entries of their own.
                assertThat(store.journal(new Journal.Query(false, subscriber, replacementId, null, 10))).as("the journal of %s", subscriber)
                        .singleElement().satisfies(entry -> {
                            assertThat(entry.subscriber()).isEqualTo(added);
                            assertThat(entry.previousSubscriber()).isEqualTo(replaced);
                        });
                assertThat(heldByNobody(subscriber)).as("%s given back", subscriber).contains(Instant.parse("2025-06-09T17:44:22Z"));
            }
        }

        @Test
        void aDeliveryOfTwoSubscribersHoldsNeitherWhenTheSecondIsBusy() throws Exception {
            store = open();
            String replaced = "imsi:" + newId();
            String added = "imsi:" + newId();
            String replacementId = newId();
            try (Delivery holdingThePrevious = claimed(store, newId(), replaced, "a", inAMinute())) {
                CompletableFuture<Void> replacement = CompletableFuture.runAsync(() -> {
                    Claim claim = store.claim(new Claim.Request(replacementId, "SIM/Replaced", added, "b", inAMinute(), false,
                            Duration.ofMillis(200), replaced));
                    try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                        assertThat(delivery.holdsSubscriber()).isFalse();
                        delivery.finish(new Outcome.Deferred(Outcome.Deferred.Reason.SUBSCRIBER_BUSY, "busy", "Subscriber busy"), null,
                                FINGERPRINT, Instant.now(), Journal.Record.NONE);
                    }
                });
                replacement.get(10, TimeUnit.SECONDS);
                // The new SIM was let go with it.
                assertThat(heldByNobody(added)).as("the new SIM is not left held").isEmpty();
            }
            Claim again = claim(store, replacementId, added, "d", inAMinute());
            assertThat(again).as("a deferred replacement runs again").isInstanceOf(Claim.Claimed.class);
            ((Claim.Claimed) again).delivery().close();
        }

        /**
         * Two replacements of each other's SIMs at once (a swap and its undoing): each may hold its
         * new SIM and wait for the other's. Neither fails the store: at most one holds both, the
         * other is not held (deferred), within the wait. With PostgreSQL the server's deadlock
         * detection (after deadlock_timeout, 1 s) ends one wait, which is a busy subscriber too.
         */
        @Test
        void replacementsOfEachOthersSimsAtOnceNeitherFailNorBothHold() throws Exception {
            store = open();
            String a = "imsi:" + newId();
            String b = "imsi:" + newId();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.CountDownLatch bothAnswered = new java.util.concurrent.CountDownLatch(2);
            List<CompletableFuture<Boolean>> held = new java.util.ArrayList<>();
            for (String[] newAndPrevious : List.of(new String[] {b, a}, new String[] {a, b})) {
                CompletableFuture<Boolean> holds = new CompletableFuture<>();
                new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        Claim claim = store.claim(new Claim.Request(newId(), "SIM/Replaced", newAndPrevious[0], "x", inAMinute(), false,
                                Duration.ofSeconds(3), newAndPrevious[1]));
                        try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                            bothAnswered.countDown();
                            holds.complete(delivery.holdsSubscriber());
                            // Keep what it holds until both claims are answered, so that the other's wait meets it.
                            bothAnswered.await(10, TimeUnit.SECONDS);
                        }
                    } catch (Exception | AssertionError e) {
                        bothAnswered.countDown();
                        holds.completeExceptionally(e);
                    }
                }, "replacement").start();
                held.add(holds);
            }
            List<Boolean> answers = new java.util.ArrayList<>();
            for (CompletableFuture<Boolean> holds : held) {
                answers.add(holds.get(20, TimeUnit.SECONDS));
            }
            assertThat(answers).as("held both, each").doesNotContainSequence(true, true);
            assertThat(heldByNobody(a)).isEmpty();
            assertThat(heldByNobody(b)).isEmpty();
        }

        /**
         * Whether no delivery holds the subscriber: a claim on a thread of its own (a lock the
         * claiming thread kept would be re-entrant for it) holds it at once; returns the last applied
         * time it read. The postgres store also asks the server.
         */
        java.util.Optional<Instant> heldByNobody(String subscriber) throws Exception {
            CompletableFuture<java.util.Optional<Instant>> seen = new CompletableFuture<>();
            Thread probe = new Thread(() -> {
                Claim claim = store.claim(new Claim.Request(newId(), "SIM/Updated", subscriber, "probe", inAMinute(), false,
                        Duration.ofMillis(200)));
                try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                    if (delivery.holdsSubscriber()) {
                        seen.complete(delivery.lastApplied());
                    } else {
                        seen.completeExceptionally(new AssertionError(subscriber + " is still held"));
                    }
                } catch (RuntimeException e) {
                    seen.completeExceptionally(e);
                }
            }, "contract-probe");
            probe.start();
            return seen.get(10, TimeUnit.SECONDS);
        }

        @Test
        void aDeliveryClosedWithoutFinishingGivesItsSubscriberBack() {
            store = open();
            String subscriber = "imsi:" + newId();
            claimed(store, newId(), subscriber, "a", inAMinute()).close();

            Claim next = store.claim(new Claim.Request(newId(), "SIM/Updated", subscriber, "b", inAMinute(), false, Duration.ofMillis(200)));
            try (Delivery delivery = ((Claim.Claimed) next).delivery()) {
                assertThat(delivery.holdsSubscriber()).isTrue();
            }
        }

        @Test
        void theJournalKeepsEveryFinishedDelivery() {
            store = open();
            String id = newId();
            String subscriber = "imsi:" + newId();
            try (Delivery delivery = claimed(store, id, subscriber, "a", inAMinute())) {
                delivery.finish(new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update"), Instant.parse("2025-06-09T17:44:21Z"),
                        FINGERPRINT, Instant.parse("2025-06-09T17:44:22Z"),
                        new Journal.Record(java.util.List.of(new Journal.UpstreamCall("hlr-hss", "update IMSI 1", 200, 12)), "{}".getBytes(), false));
            }

            java.util.List<Journal.Entry> entries = store.journal(new Journal.Query(false, null, id, null, 10));
            assertThat(entries).singleElement().satisfies(entry -> {
                assertThat(entry.subscriber()).isEqualTo(subscriber);
                assertThat(entry.instance()).isEqualTo("a");
                assertThat(entry.receivedAt()).isEqualTo(Instant.parse("2025-06-09T17:44:22Z"));
                assertThat(entry.outcome()).isEqualTo(new Outcome.Done(Outcome.Done.Result.PROCESSED, "HLR: update"));
                assertThat(entry.calls()).containsExactly(new Journal.UpstreamCall("hlr-hss", "update IMSI 1", 200, 12));
                assertThat(entry.bodyKept()).isTrue();
            });
            assertThat(store.journalBody(id, Instant.EPOCH)).hasValueSatisfying(body -> assertThat(new String(body)).isEqualTo("{}"));
        }

        @Test
        void theFailedListHoldsEachEventsLatestDeliveryOnly() {
            store = open();
            String recovered = newId();
            String stillFailed = newId();
            replayed(recovered, FAILED, null);
            replayed(recovered, new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok"), null);
            replayed(stillFailed, FAILED, null);
            replayed(stillFailed, FAILED, null);

            List<Journal.Entry> failed = store.journal(new Journal.Query(true, null, null, null, 100));

            assertThat(failed).extracting(Journal.Entry::eventId).containsExactly(stillFailed);
            assertThat(store.journal(new Journal.Query(false, null, null, null, 100))).hasSize(4);
        }

        @Test
        void refusalsWithoutAnEventIdAreEachAnEventOfTheirOwnInTheFailedList() {
            store = open();
            Instant since = Instant.now().minusSeconds(1);
            Outcome.Failed invalid = new Outcome.Failed(Outcome.Failed.Failure.INVALID_EVENT, "Validation failed", "event_id is required");
            store.journalRefusal("", "SIM/Updated", "a", Instant.now(), invalid);
            store.journalRefusal("", "SIM/Deleted", "a", Instant.now(), invalid);

            List<Journal.Entry> failed = store.journal(new Journal.Query(true, null, null, since, 100));

            assertThat(failed).filteredOn(entry -> entry.eventId().isEmpty()).extracting(Journal.Entry::eventType)
                    .as("not one event: an empty id is none").containsExactly("SIM/Deleted", "SIM/Updated");
        }

        @Test
        void aBodyOlderThanItsRetentionIsNeverReturnedAndThePurgeDropsIt() {
            store = open();
            String id = newId();
            byte[] body = "{\"event_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            replayed(id, FAILED, body);
            replayed(id, new Outcome.Done(Outcome.Done.Result.PROCESSED, "replayed"), null);

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

        /** A delivery of {@code id} (taken even when done, as a replay is) finished with {@code outcome}, keeping {@code body}. */
        void replayed(String id, Outcome outcome, byte[] body) {
            Claim claim = store.claim(new Claim.Request(id, "SIM/Updated", "imsi:" + id, "a", inAMinute(), true, Duration.ofSeconds(1)));
            assertThat(claim).isInstanceOf(Claim.Claimed.class);
            try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                delivery.finish(outcome, null, FINGERPRINT, Instant.now(), new Journal.Record(List.of(), body, false));
            }
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

        /** Also no session of the server holds the subscriber's advisory lock (an idle pooled connection that kept it, say). */
        @Override
        java.util.Optional<Instant> heldByNobody(String subscriber) throws Exception {
            try (java.sql.Connection connection = java.sql.DriverManager.getConnection(PostgresDatabase.URL, PostgresDatabase.USER,
                    PostgresDatabase.PASSWORD);
                 java.sql.PreparedStatement locks = connection.prepareStatement("select count(*) from pg_locks where locktype = 'advisory'"
                         + " and objsubid = 1 and ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0)")) {
                locks.setString(1, subscriber);
                try (java.sql.ResultSet count = locks.executeQuery()) {
                    count.next();
                    assertThat(count.getInt(1)).as("sessions holding %s's lock", subscriber).isZero();
                }
            }
            return super.heldByNobody(subscriber);
        }

        @Test
        void finishedEventsAreForgottenAfterTheTtlAndJournalled() {
            store = open();
            String id = newId();
            deliver(store, id, "imsi:" + newId(), new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok"), null);

            store.purgeFinishedBefore(Instant.now().minusSeconds(3600));
            assertThat(store.finished(id)).isPresent();
            store.purgeFinishedBefore(Instant.now().plusSeconds(60));
            assertThat(store.finished(id)).isEmpty();
            assertThat(claim(store, id, null, "b", inAMinute())).isInstanceOf(Claim.Claimed.class);
        }

        @Test
        void aPurgedReplacementTakesItsPreviousSimWithIt() throws Exception {
            store = open();
            String replaced = "imsi:" + newId();
            Claim claim = store.claim(new Claim.Request(newId(), "SIM/Replaced", "imsi:" + newId(), "a", inAMinute(), false,
                    java.time.Duration.ofSeconds(1), replaced));
            try (Delivery replacement = ((Claim.Claimed) claim).delivery()) {
                replacement.finish(new Outcome.Done(Outcome.Done.Result.PROCESSED, "replaced"), null, FINGERPRINT, Instant.now(),
                        Journal.Record.NONE);
            }
            assertThat(previousSimRows()).isEqualTo(1);

            store.purgeFinishedBefore(Instant.now().plusSeconds(60));

            assertThat(store.journal(new Journal.Query(false, replaced, null, null, 10))).isEmpty();
            assertThat(previousSimRows()).as("rows left of purged entries").isZero();
        }

        private int previousSimRows() throws Exception {
            try (java.sql.Connection connection = java.sql.DriverManager.getConnection(PostgresDatabase.URL, PostgresDatabase.USER,
                    PostgresDatabase.PASSWORD);
                 java.sql.ResultSet count = connection.createStatement().executeQuery(
                         "select count(*) from " + schema + ".nsps_event_journal_previous_subscriber")) {
                count.next();
                return count.getInt(1);
            }
        }
    }
}
