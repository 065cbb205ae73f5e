package io.nsps.connector.state.postgres;

import static io.nsps.connector.state.Deliveries.FINGERPRINT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.Claim;
import io.nsps.connector.state.Delivery;
import io.nsps.connector.state.Journal;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.testing.PostgresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared session's rounds ({@link SharedSession}) on a real PostgreSQL server: deliveries
 * claimed and finished together, one the database refuses failing alone, and a lost session
 * failing the finishes of what it held.
 */
final class SharedSessionTest {

    private static final Instant APPLIED = Instant.parse("2025-06-09T17:44:22Z");

    private String schema;
    private PostgresStateStore store;

    @BeforeEach
    void open() {
        PostgresDatabase.assumeReachable();
        schema = PostgresDatabase.freshSchema();
        store = PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD, schema, 4, Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        if (schema != null) {
            PostgresDatabase.dropSchema(schema);
        }
    }

    @Test
    void concurrentDeliveriesOfManySubscribersAreEachClaimedHeldAndFinishedOnce() throws Exception {
        int deliveries = 40;
        CountDownLatch start = new CountDownLatch(1);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(deliveries);
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        List<String> subscribers = new ArrayList<>();
        for (int i = 0; i < deliveries; i++) {
            String subscriber = "imsi:" + newId();
            subscribers.add(subscriber);
            results.add(CompletableFuture.supplyAsync(() -> {
                awaitStart(start);
                Claim claim = store.claim(request(newId(), subscriber, Duration.ofSeconds(5)));
                try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                    boolean held = delivery.holdsSubscriber();
                    delivery.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
                    return held;
                }
            }, threads));
        }
        start.countDown();
        try {
            for (CompletableFuture<Boolean> result : results) {
                assertThat(result.get(20, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
        for (String subscriber : subscribers) {
            assertThat(store.lastApplied(subscriber)).contains(APPLIED);
        }
        assertThat(store.journal(new Journal.Query(false, null, null, null, 1000))).hasSize(deliveries);
        // Every subscriber was given back: each is held at once by a new delivery.
        for (String subscriber : subscribers.subList(0, 5)) {
            try (Delivery again = ((Claim.Claimed) store.claim(request(newId(), subscriber, Duration.ofMillis(100)))).delivery()) {
                assertThat(again.holdsSubscriber()).isTrue();
            }
        }
    }

    @Test
    void concurrentDeliveriesOfFewSubscribersHoldEachOneAtATime() throws Exception {
        int subscribers = 4;
        int perSubscriber = 4;
        // Deliveries that wait for a busy subscriber each hold a pooled connection meanwhile, as NSPS's retries would.
        store.close();
        store = PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD, schema,
                subscribers * perSubscriber + subscribers, Duration.ofSeconds(5));
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> holding = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger deferred = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(subscribers * perSubscriber);
        List<CompletableFuture<Void>> results = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            String subscriber = "imsi:" + newId();
            holding.put(subscriber, new java.util.concurrent.atomic.AtomicInteger());
            for (int e = 0; e < perSubscriber; e++) {
                results.add(CompletableFuture.runAsync(() -> {
                    awaitStart(start);
                    Claim claim = store.claim(request(newId(), subscriber, Duration.ofSeconds(10)));
                    try (Delivery delivery = ((Claim.Claimed) claim).delivery()) {
                        if (!delivery.holdsSubscriber()) {
                            deferred.incrementAndGet();
                            return;
                        }
                        // What a provisioning call would do while the subscriber is held: any other holder now is an overlap.
                        if (holding.get(subscriber).incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        store.journal(new Journal.Query(false, subscriber, null, null, 1));
                        holding.get(subscriber).decrementAndGet();
                        delivery.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
                    }
                }, threads));
            }
        }
        start.countDown();
        try {
            for (CompletableFuture<Void> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(overlaps).as("two deliveries held one subscriber at once").hasValue(0);
        assertThat(deferred).as("every delivery got its subscriber within the wait").hasValue(0);
        assertThat(store.journal(new Journal.Query(false, null, null, null, 1000))).hasSize(subscribers * perSubscriber);
    }

    @Test
    void aFinishTheDatabaseRefusesFailsAloneAndGivesItsSubscriberBack() throws Exception {
        // The database refuses the journal entry of one event, whatever round it is in.
        try (Connection admin = admin(); Statement statement = admin.createStatement()) {
            beforeInsert(statement, "nsps_event_journal", "refuse_poison",
                    "if new.event_id = 'poison' then raise exception 'refused'; end if;");
        }
        String poisonSubscriber = "imsi:" + newId();
        String goodSubscriber = "imsi:" + newId();
        Delivery poison = claimedOnItsOwnThread("poison", poisonSubscriber);
        Delivery good = claimedOnItsOwnThread(newId(), goodSubscriber);

        List<FinishingThread> finishing = finishedInOneRound(List.of(poison, good));
        assertThatThrownBy(() -> finishing.get(0).result().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StateStoreException.class);
        finishing.get(1).result().get(10, TimeUnit.SECONDS);
        assertThat(store.lastApplied(goodSubscriber)).contains(APPLIED);
        assertThat(store.finished("poison")).as("the refused finish left its claim to run out").isEmpty();
        try (Delivery next = ((Claim.Claimed) store.claim(request(newId(), poisonSubscriber, Duration.ofMillis(100)))).delivery()) {
            assertThat(next.holdsSubscriber()).as("the refused delivery's subscriber was given back").isTrue();
        }
    }

    @Test
    void theFinishesOfOneRoundAreOneTransaction() throws Exception {
        // pgjdbc describes a statement once it has run it a few times on a connection; from then on, it sends a batch of a
        // statement whose answer has no bounded size one statement at a time, each its own transaction and round trip.
        for (int i = 0; i < 6; i++) {
            try (Delivery delivery = claimedOnItsOwnThread(newId(), "imsi:" + newId())) {
                delivery.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
            }
        }
        List<String> ids = new ArrayList<>();
        List<Delivery> together = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = newId();
            ids.add(id);
            together.add(claimedOnItsOwnThread(id, "imsi:" + newId()));
        }
        for (FinishingThread thread : finishedInOneRound(together)) {
            thread.result().get(10, TimeUnit.SECONDS);
        }
        try (Connection admin = admin();
             PreparedStatement transactions = admin.prepareStatement("select count(*), count(distinct xmin::text) from " + schema
                     + ".nsps_event_journal where event_id = any(?)")) {
            transactions.setArray(1, admin.createArrayOf("text", ids.toArray()));
            try (ResultSet row = transactions.executeQuery()) {
                row.next();
                assertThat(row.getInt(1)).as("journal entries").isEqualTo(ids.size());
                assertThat(row.getInt(2)).as("transactions that wrote them").isEqualTo(1);
            }
        }
    }

    @Test
    void aFinishIsAnsweredAtItsCommitThoughLettingGoFailsAfterIt() throws Exception {
        // A session whose connection refuses the statement that lets go of the round's subscribers.
        java.util.concurrent.atomic.AtomicReference<Connection> first = new java.util.concurrent.atomic.AtomicReference<>();
        SharedSession session = sessionPreparing((connection, text) -> {
            first.compareAndSet(null, connection);
            if (text.equals(SharedSession.LET_GO)) {
                throw new SQLException("refused by the test", "08006");
            }
        });
        try {
            String id = newId();
            String subscriber = "imsi:" + newId();
            Claim.Request request = request(id, subscriber, Duration.ofSeconds(5));
            SharedSession.ClaimAnswer claim = session.claim(request);
            assertThat(claim.claimed() && claim.held()).isTrue();

            // Committed before the letting go failed: answered as done, not as a failure NSPS would retry.
            session.finish(new SharedSession.Finish(new PostgresStateStore.Finishing(request, done(), APPLIED, FINGERPRINT, Instant.now(),
                    Journal.Record.NONE), claim.session()));

            assertThat(store.finished(id)).isPresent();
            assertThat(store.lastApplied(subscriber)).contains(APPLIED);
            // The failed letting go gave the session up, and every lock with it.
            await().atMost(Duration.ofSeconds(10)).until(() -> first.get().isClosed());
            try (Delivery next = ((Claim.Claimed) store.claim(request(newId(), subscriber, Duration.ofSeconds(2)))).delivery()) {
                assertThat(next.holdsSubscriber()).isTrue();
            }
        } finally {
            session.close();
        }
    }

    @Test
    void aLostSessionFailsTheFinishesOfWhatItHeldAndTheNextRoundOpensANewOne() throws Exception {
        String subscriber = "imsi:" + newId();
        String id = newId();
        Delivery held = claimedOnItsOwnThread(id, subscriber);
        try (Connection admin = admin(); PreparedStatement kill = admin.prepareStatement("""
                select pg_terminate_backend(pid) from pg_locks
                 where locktype = 'advisory' and granted and ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0)""")) {
            kill.setString(1, subscriber);
            try (ResultSet killed = kill.executeQuery()) {
                assertThat(killed.next()).as("the session holds the subscriber's lock").isTrue();
            }
        }
        // The next round finds the session lost (its claims fail), and the one after opens a new session.
        Delivery other = await().atMost(Duration.ofSeconds(10)).ignoreException(StateStoreException.class)
                .until(() -> ((Claim.Claimed) store.claim(request(newId(), "imsi:" + newId(), Duration.ofMillis(100)))).delivery(), d -> true);
        other.close();
        // The lock went with the lost session: another delivery takes the subscriber at once, in the new session.
        try (Delivery taken = ((Claim.Claimed) store.claim(request(newId(), subscriber, Duration.ofMillis(100)))).delivery()) {
            assertThat(taken.holdsSubscriber()).isTrue();
            assertThatThrownBy(() -> held.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE))
                    .as("a delivery whose subscriber's lock was lost cannot answer as done").isInstanceOf(StateStoreException.class);
        }
        assertThat(store.finished(id)).isEmpty();

        // The next rounds run on a new session: a delivery of another subscriber is held there and finishes.
        String next = newId();
        Delivery afterwards = claimedOnItsOwnThread(next, "imsi:" + newId());
        afterwards.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
        assertThat(store.finished(next)).isPresent();
    }

    @Test
    void aClaimWhoseCallerStoppedWaitingGivesItsSubscriberBack() throws Exception {
        // A store whose bound is 500 ms: a caller waits 1.5 s for its round at most.
        store.close();
        store = PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD, schema, 4,
                Duration.ofMillis(500));
        // The database takes 300 ms to refuse each of these finishes: a round of eleven of them takes 3.3 s (the batch,
        // then each alone).
        try (Connection admin = admin(); Statement statement = admin.createStatement()) {
            beforeInsert(statement, "nsps_event_journal", "refuse_slowly",
                    "if new.event_id like 'slow-%' then perform pg_sleep(0.3); raise exception 'refused'; end if;");
        }
        List<Delivery> slow = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            slow.add(claimedOnItsOwnThread("slow-" + i, "imsi:" + newId()));
        }
        String subscriber = "imsi:" + newId();
        try (Connection admin = admin()) {
            // A first round in progress, so that the next one takes the ten other finishes and the claim together.
            FinishingThread first = FinishingThread.start(slow.get(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(admin));
            List<FinishingThread> others = slow.subList(1, slow.size()).stream().map(FinishingThread::start).toList();
            CompletableFuture<Claim> claim = new CompletableFuture<>();
            Thread claiming = new Thread(() -> {
                try {
                    claim.complete(store.claim(request(newId(), subscriber, Duration.ofMillis(100))));
                } catch (RuntimeException e) {
                    claim.completeExceptionally(e);
                }
            });
            claiming.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> claiming.getState() == Thread.State.TIMED_WAITING
                    && others.stream().allMatch(FinishingThread::waiting));
            // Its round makes the claim 3 s later, when its caller has long stopped waiting.
            assertThatThrownBy(() -> claim.get(10, TimeUnit.SECONDS)).as("its caller stopped waiting before its round ran")
                    .hasCauseInstanceOf(StateStoreException.class);
            for (FinishingThread f : others) {
                assertThatThrownBy(() -> f.result().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StateStoreException.class);
            }
            assertThatThrownBy(() -> first.result().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StateStoreException.class);
        }
        // The round made the claim, found no one waiting, and let the subscriber go: a new delivery holds it.
        await().atMost(Duration.ofSeconds(10)).ignoreException(StateStoreException.class).until(() -> {
            try (Delivery next = ((Claim.Claimed) store.claim(request(newId(), subscriber, Duration.ofMillis(100)))).delivery()) {
                return next.holdsSubscriber();
            }
        });
    }

    @Test
    void aRoundThatThrowsGivesUpItsSessionWithEveryLockItHeld() throws Exception {
        String subscriber = "imsi:" + newId();
        String id = newId();
        Delivery held = claimedOnItsOwnThread(id, subscriber);
        Delivery broken = claimedOnItsOwnThread(newId(), "imsi:" + newId());
        // A finish without a fingerprint makes the round throw in the connector, not in the database.
        assertThatThrownBy(() -> broken.finish(done(), APPLIED, null, Instant.now(), Journal.Record.NONE))
                .isInstanceOf(StateStoreException.class);
        // The session's connection was closed for good, with its locks: another instance takes the subscriber at once.
        try (PostgresStateStore other = PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD,
                schema, 2, Duration.ofSeconds(5));
             Delivery taken = ((Claim.Claimed) other.claim(request(newId(), subscriber, Duration.ofMillis(200)))).delivery()) {
            assertThat(taken.holdsSubscriber()).isTrue();
        }
        assertThatThrownBy(() -> held.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE))
                .isInstanceOf(StateStoreException.class);
        assertThat(store.finished(id)).isEmpty();
    }

    @Test
    void aClaimTheDatabaseRefusesLeavesNoLockBehindInItsRound() throws Exception {
        try (Connection admin = admin(); Statement statement = admin.createStatement()) {
            beforeInsert(statement, "nsps_event", "refuse_claim", "if new.event_id = 'poison' then raise exception 'refused'; end if;");
            beforeInsert(statement, "nsps_event_journal", "journal_slowly", "if new.event_id = 'slow' then perform pg_sleep(0.5); end if;");
        }
        Delivery slow = claimedOnItsOwnThread("slow", "imsi:" + newId());
        // The round sorts its claims by event id: the good one (a UUID, 0-9a-f first) takes its lock before "poison" fails.
        String good = "imsi:" + newId();
        try (Connection admin = admin()) {
            // A round in progress, so that the next one takes both claims together.
            FinishingThread finishing = FinishingThread.start(slow);
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(admin));
            CompletableFuture<Delivery> goodClaim = CompletableFuture.supplyAsync(
                    () -> ((Claim.Claimed) store.claim(request(newId(), good, Duration.ofSeconds(5)))).delivery());
            CompletableFuture<Claim> poisonClaim = CompletableFuture.supplyAsync(() -> store.claim(request("poison", "imsi:" + newId(),
                    Duration.ofSeconds(5))));
            finishing.result().get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> poisonClaim.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StateStoreException.class);
            try (Delivery delivery = goodClaim.get(10, TimeUnit.SECONDS)) {
                assertThat(delivery.holdsSubscriber()).isTrue();
                delivery.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
            }
        }
        // Finished, the good claim's subscriber is free: no second lock of it was left in the session by the failed statement.
        try (PostgresStateStore other = PostgresStateStore.open(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD,
                schema, 2, Duration.ofSeconds(5));
             Delivery taken = ((Claim.Claimed) other.claim(request(newId(), good, Duration.ofSeconds(2)))).delivery()) {
            assertThat(taken.holdsSubscriber()).isTrue();
        }
    }

    @Test
    void aRoundLetsGoOfItsFinishedSubscribersAndMakesItsClaimsInOneRoundTrip() throws Exception {
        List<String> statements = java.util.Collections.synchronizedList(new ArrayList<>());
        SharedSession session = recordingSession(statements);
        try {
            String first = "imsi:" + newId();
            String second = "imsi:" + newId();
            Claim.Request firstRequest = request(newId(), first, Duration.ofSeconds(5));
            SharedSession.ClaimAnswer firstClaim = session.claim(firstRequest);
            Claim.Request again = request(newId(), first, Duration.ofSeconds(5));
            Claim.Request secondRequest = request(newId(), second, Duration.ofSeconds(5));

            // One round: the first subscriber's finish, a new claim of that subscriber and a claim of another.
            List<CompletableFuture<?>> round = inOneRound(session, statements, List.of(() -> finish(session, firstRequest, firstClaim),
                    () -> session.claim(again), () -> session.claim(secondRequest)));

            assertThat(statements).as("the statements the round sent, each one round trip")
                    .containsExactly(PostgresStateStore.FINISH, SharedSession.LET_GO_THEN_CLAIM_ALL);
            round.get(0).get(10, TimeUnit.SECONDS);
            SharedSession.ClaimAnswer againClaim = (SharedSession.ClaimAnswer) round.get(1).get(10, TimeUnit.SECONDS);
            SharedSession.ClaimAnswer secondClaim = (SharedSession.ClaimAnswer) round.get(2).get(10, TimeUnit.SECONDS);
            assertThat(againClaim.claimed() && againClaim.held()).as("the subscriber let go was taken again in its round").isTrue();
            assertThat(secondClaim.claimed() && secondClaim.held()).isTrue();
            assertThat(store.lastApplied(first)).contains(APPLIED);
            try (Connection admin = admin()) {
                assertThat(heldByAnotherSession(admin, first)).isTrue();
                assertThat(heldByAnotherSession(admin, second)).isTrue();
                // Finished, each is let go (after its commit, which answered the finish): the session held the subscriber
                // let go and taken again once, not twice.
                finish(session, again, againClaim);
                finish(session, secondRequest, secondClaim);
                await().atMost(Duration.ofSeconds(10)).until(() -> !heldByAnotherSession(admin, first) && !heldByAnotherSession(admin, second));
            }
        } finally {
            session.close();
        }
    }

    @Test
    void refusedClaimsInARoundThatLetsGoLeaveNoLockBehind() throws Exception {
        try (Connection admin = admin(); Statement statement = admin.createStatement()) {
            beforeInsert(statement, "nsps_event", "refuse_claim", "if new.event_id = 'poison' then raise exception 'refused'; end if;");
        }
        List<String> statements = java.util.Collections.synchronizedList(new ArrayList<>());
        SharedSession session = recordingSession(statements);
        try {
            String finishing = "imsi:" + newId();
            String good = "imsi:" + newId();
            Claim.Request finishingRequest = request(newId(), finishing, Duration.ofSeconds(5));
            SharedSession.ClaimAnswer finishingClaim = session.claim(finishingRequest);
            // The round sorts its claims by event id: the good one (a UUID, 0-9a-f first) takes its lock before "poison" fails.
            Claim.Request goodRequest = request(newId(), good, Duration.ofSeconds(5));

            List<CompletableFuture<?>> round = inOneRound(session, statements, List.of(
                    () -> finish(session, finishingRequest, finishingClaim), () -> session.claim(goodRequest),
                    () -> session.claim(request("poison", "imsi:" + newId(), Duration.ofSeconds(5)))));

            assertThat(statements).as("the round's statements: its finishes, the refused letting go and claims, then the claims alone")
                    .startsWith(PostgresStateStore.FINISH, SharedSession.LET_GO_THEN_CLAIM_ALL);
            round.get(0).get(10, TimeUnit.SECONDS);
            SharedSession.ClaimAnswer goodClaim = (SharedSession.ClaimAnswer) round.get(1).get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> round.get(2).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StateStoreException.class);
            assertThat(goodClaim.claimed() && goodClaim.held()).isTrue();
            try (Connection admin = admin()) {
                assertThat(heldByAnotherSession(admin, finishing)).as("the finished subscriber was let go").isFalse();
                assertThat(heldByAnotherSession(admin, good)).isTrue();
                // Finished, it is let go: no second lock of its subscriber was left by the refused statement.
                finish(session, goodRequest, goodClaim);
                await().atMost(Duration.ofSeconds(10)).until(() -> !heldByAnotherSession(admin, good));
            }
        } finally {
            session.close();
        }
    }

    @Test
    void aRoundWhoseLettingGoFindsALockNotHeldGivesUpItsSessionAndFailsItsClaims() throws Exception {
        // The session's own backend lets go of one subscriber's lock behind its back, as it writes that event's journal entry:
        // the letting go that follows finds fewer locks than the session's record lists.
        try (Connection admin = admin(); Statement statement = admin.createStatement()) {
            beforeInsert(statement, "nsps_event_journal", "unlock_behind",
                    "if new.event_id = 'unlocked' then perform pg_advisory_unlock(hashtextextended(new.subscriber, 0)); end if;");
        }
        List<String> statements = java.util.Collections.synchronizedList(new ArrayList<>());
        SharedSession session = recordingSession(statements);
        try {
            String unlocked = "imsi:" + newId();
            String claimed = "imsi:" + newId();
            Claim.Request unlockedRequest = request("unlocked", unlocked, Duration.ofSeconds(5));
            SharedSession.ClaimAnswer unlockedClaim = session.claim(unlockedRequest);

            List<CompletableFuture<?>> round = inOneRound(session, statements, List.of(
                    () -> finish(session, unlockedRequest, unlockedClaim),
                    () -> session.claim(request(newId(), claimed, Duration.ofSeconds(5)))));

            round.get(0).get(10, TimeUnit.SECONDS); // (committed before the letting go)
            assertThatThrownBy(() -> round.get(1).get(10, TimeUnit.SECONDS)).as("the claim made on the session given up")
                    .hasCauseInstanceOf(StateStoreException.class);
            assertThat(statements).as("no claim tried again on that session").containsExactly(PostgresStateStore.FINISH,
                    SharedSession.LET_GO_THEN_CLAIM_ALL);
            try (Connection admin = admin()) {
                // Its connection was closed, with every lock of the session.
                await().atMost(Duration.ofSeconds(10)).until(() -> !heldByAnotherSession(admin, claimed));
            }
        } finally {
            session.close();
        }
    }

    /** A session on a connection of its own whose statements' texts, as prepared, are added to {@code statements}. */
    private SharedSession recordingSession(List<String> statements) {
        return sessionPreparing((connection, text) -> statements.add(text));
    }

    /** What a test does as its session's connection prepares a statement: it may throw, as a broken connection would. */
    private interface BeforePrepare {
        void accept(Connection connection, String text) throws SQLException;
    }

    /** A session on connections of its own to the test's schema, each calling {@code before} as it prepares a statement. */
    private SharedSession sessionPreparing(BeforePrepare before) {
        return new SharedSession(() -> {
            try {
                Connection connection = admin();
                connection.setSchema(schema);
                return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement")) {
                                before.accept(connection, (String) args[0]);
                            }
                            try {
                                return method.invoke(connection, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            } catch (SQLException e) {
                throw new StateStoreException("opening", e);
            }
        }, connection -> {
            try {
                connection.close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, Duration.ofSeconds(5));
    }

    /**
     * Runs {@code calls} on threads of their own, in one round of {@code session}: the round in progress is held on a
     * row lock (a blocking delivery's subscriber row, inserted and not committed) while they queue. Returns their
     * results, in order, once that round is over and {@code statements} holds only what the next round prepared.
     */
    private List<CompletableFuture<?>> inOneRound(SharedSession session, List<String> statements, List<Supplier<?>> calls)
            throws Exception {
        String blocker = "imsi:" + newId();
        Claim.Request blockerRequest = request(newId(), blocker, Duration.ofSeconds(5));
        SharedSession.ClaimAnswer blockerClaim = session.claim(blockerRequest);
        try (Connection admin = admin()) {
            admin.setAutoCommit(false);
            try (Statement statement = admin.createStatement()) {
                statement.execute("insert into " + schema + ".nsps_subscriber (subscriber, last_event_time, last_event_id)"
                        + " values ('" + blocker + "', '2000-01-01T00:00:00Z', 'x')");
            }
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> finish(session, blockerRequest, blockerClaim));
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock(admin));
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<?>> results = new ArrayList<>();
            for (Supplier<?> call : calls) {
                CompletableFuture<Object> result = new CompletableFuture<>();
                Thread thread = new Thread(() -> {
                    try {
                        result.complete(call.get());
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
                thread.start();
                threads.add(thread);
                results.add(result);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
            admin.rollback();
            // The blocked round ends by letting go of the blocker (no claims in it, so alone).
            await().atMost(Duration.ofSeconds(10)).until(() -> statements.contains(SharedSession.LET_GO)); // (nothing was let go before it)
            blocked.get(10, TimeUnit.SECONDS);
            synchronized (statements) {
                statements.subList(0, statements.indexOf(SharedSession.LET_GO) + 1).clear();
            }
            for (CompletableFuture<?> result : results) {
                try {
                    result.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // (asserted by the caller)
                }
            }
            return results;
        }
    }

    private static Void finish(SharedSession session, Claim.Request request, SharedSession.ClaimAnswer claim) {
        session.finish(new SharedSession.Finish(new PostgresStateStore.Finishing(request, done(), APPLIED, FINGERPRINT, Instant.now(),
                Journal.Record.NONE), claim.session()));
        return null;
    }

    /** Whether another session holds {@code subscriber}'s lock (tried from {@code admin}, and let go at once if taken). */
    private static boolean heldByAnotherSession(Connection admin, String subscriber) throws SQLException {
        try (PreparedStatement tryLock = admin.prepareStatement(
                "select case when pg_try_advisory_lock(hashtextextended(?, 0)) then pg_advisory_unlock(hashtextextended(?, 0)) else false end")) {
            tryLock.setString(1, subscriber);
            tryLock.setString(2, subscriber);
            try (ResultSet row = tryLock.executeQuery()) {
                row.next();
                return !row.getBoolean(1);
            }
        }
    }

    @Test
    void anAnswerThatCameAsTheWaitEndedIsUsedNotDropped() {
        // A round completes the answer just as the wait runs out: cancelling it fails, and the answer is what the caller gets.
        CompletableFuture<String> answeredAtTheDeadline = new CompletableFuture<>() {
            @Override
            public String get(long timeout, TimeUnit unit) throws java.util.concurrent.TimeoutException {
                complete("claimed");
                throw new java.util.concurrent.TimeoutException();
            }
        };
        assertThat(SharedSession.await(answeredAtTheDeadline, Duration.ofMillis(1), "claiming an event")).isEqualTo("claimed");

        CompletableFuture<String> neverAnswered = new CompletableFuture<>();
        assertThatThrownBy(() -> SharedSession.await(neverAnswered, Duration.ofMillis(1), "claiming an event"))
                .isInstanceOf(StateStoreException.class);
        assertThat(neverAnswered).as("a round that runs it later finds it cancelled").isCancelled();
    }

    /** A delivery claimed through the shared session (its subscriber held there), on a thread of its own as deliveries run. */
    private Delivery claimedOnItsOwnThread(String id, String subscriber) throws Exception {
        Delivery delivery = CompletableFuture.supplyAsync(() -> ((Claim.Claimed) store.claim(request(id, subscriber, Duration.ofSeconds(5)))).delivery())
                .get(10, TimeUnit.SECONDS);
        assertThat(delivery.holdsSubscriber()).isTrue();
        return delivery;
    }

    /**
     * Finishes {@code deliveries} in one round: the session's round in progress is held on a row lock (a
     * blocking delivery's subscriber row, inserted and not committed) while they queue, since a round takes
     * the whole queue when it starts. Returns their finishing threads, in order, once that lock is gone.
     */
    private List<FinishingThread> finishedInOneRound(List<Delivery> deliveries) throws Exception {
        String blockerSubscriber = "imsi:" + newId();
        Delivery blocker = claimedOnItsOwnThread(newId(), blockerSubscriber);
        try (Connection admin = admin()) {
            admin.setAutoCommit(false);
            try (Statement statement = admin.createStatement()) {
                statement.execute("insert into " + schema + ".nsps_subscriber (subscriber, last_event_time, last_event_id)"
                        + " values ('" + blockerSubscriber + "', '2000-01-01T00:00:00Z', 'x')");
            }
            FinishingThread blocked = FinishingThread.start(blocker);
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock(admin));
            List<FinishingThread> finishing = deliveries.stream().map(FinishingThread::start).toList();
            await().atMost(Duration.ofSeconds(10)).until(() -> finishing.stream().allMatch(FinishingThread::waiting));
            admin.rollback();
            blocked.result().get(10, TimeUnit.SECONDS);
            return finishing;
        }
    }

    /** A delivery finishing on a thread of its own. */
    private record FinishingThread(Thread thread, CompletableFuture<Void> result) {

        static FinishingThread start(Delivery delivery) {
            CompletableFuture<Void> result = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    delivery.finish(done(), APPLIED, FINGERPRINT, Instant.now(), Journal.Record.NONE);
                    result.complete(null);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            thread.start();
            return new FinishingThread(thread, result);
        }

        /** Parked, waiting for its round's answer. */
        boolean waiting() {
            return thread.getState() == Thread.State.TIMED_WAITING;
        }
    }

    /** A trigger that runs {@code body} (PL/pgSQL, ending in an if) before each insert into {@code table} of the test's schema. */
    private void beforeInsert(Statement statement, String table, String name, String body) throws SQLException {
        statement.execute("create function " + schema + "." + name + "() returns trigger language plpgsql as $$ begin " + body
                + " return new; end $$");
        statement.execute("create trigger " + name + " before insert on " + schema + "." + table + " for each row execute function "
                + schema + "." + name + "()");
    }

    private static boolean sleeping(Connection admin) throws SQLException {
        try (Statement statement = admin.createStatement();
             ResultSet row = statement.executeQuery("select count(*) from pg_stat_activity where wait_event = 'PgSleep'")) {
            row.next();
            return row.getInt(1) > 0;
        }
    }

    private static boolean waitingOnALock(Connection admin) throws SQLException {
        try (Statement statement = admin.createStatement();
             ResultSet row = statement.executeQuery("select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                     + " and query like '%nsps_event_journal%'")) {
            row.next();
            return row.getInt(1) > 0;
        }
    }

    private static Claim.Request request(String id, String subscriber, Duration wait) {
        return new Claim.Request(id, "SIM/Updated", subscriber, "a", Instant.now().plusSeconds(60), false, wait);
    }

    private static Outcome.Done done() {
        return new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok");
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(PostgresDatabase.URL, PostgresDatabase.USER, PostgresDatabase.PASSWORD);
    }

    private static void awaitStart(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }
}
