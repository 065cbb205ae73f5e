package io.nsps.connector.state.postgres;

import io.nsps.connector.state.Claim;
import io.nsps.connector.state.StateStoreException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One database session shared by the deliveries of this instance: their claims and finishes run on
 * it together, a round at a time, so that a round of N deliveries costs the database a few
 * statements and commits instead of 2N (docs/performance.md, "Batching claims and finishes").
 *
 * <p>The session holds the subscriber locks of the deliveries it claimed (session-level advisory
 * locks, as a delivery's own connection holds them on the other path), from their claim's round to
 * the commit of their finish's round. Its contract:
 *
 * <ul>
 *   <li>A round runs, in this order: the finishes (one transaction, committed with the database's
 *       own durability when any of them is done, else without waiting for the disk; each caller
 *       answered at the commit, without waiting for the letting go), then the
 *       subscribers of those finishes, and of deliveries closed without finishing, let go (after
 *       the commit, so the next holder reads the new times), then the claims (one statement, each
 *       claim committed before its caller provisions). The letting go and the claims are two
 *       statements of one round trip when the round has both.</li>
 *   <li>Advisory locks are re-entrant within a session: a claim whose subscriber the session holds
 *       already, or which another claim of the same round names, is not tried here;
 *       {@link ClaimAnswer#alone()} sends it to the path of its own connection, which waits for the
 *       subscriber like any other holder's.</li>
 *   <li>A round that fails for what it carries (a value the database refuses: not the connection,
 *       a timeout, a lock or a deadlock) is run again one delivery at a time, so that the one
 *       refused fails alone. A refused claim statement first lets go of the locks its rows took:
 *       session locks outlive the statement's rollback.</li>
 *   <li>The session's record of the subscribers it holds must match the server's. When they may not
 *       (the connection lost, a statement failed for another reason, a round threw, letting go found
 *       fewer locks than it was to release), the session is given up: its connection closed for
 *       good, never back to a pool with its locks, every lock with it. Each delivery claimed on it
 *       then fails its finish (as one whose own connection broke), and the next round opens a new
 *       session.</li>
 *   <li>A caller waits for its round up to three times STATE_DB_TIMEOUT (each statement is bounded
 *       by it). A claim whose caller stopped waiting is not made; one its round was already making
 *       is let go in the next round, as a delivery closed without finishing.</li>
 *   <li>A round sorts its claims and finishes by event id, as every instance's rounds do, so that
 *       two rounds meeting on one event wait for each other rather than deadlock (the claim
 *       statement's rows are evaluated in their array's order, as PostgreSQL does for a function
 *       scan of {@code unnest}).</li>
 * </ul>
 */
final class SharedSession implements AutoCloseable {

    /**
     * At most this many deliveries in one round. pgjdbc sends a batch of about 250 such statements
     * as one transaction (42.7.8 counts 250 bytes and the answer row's size per statement against a
     * 64 000-byte budget; beyond, it syncs midway and commits in parts, which the one-at-a-time
     * retry after a refusal would then run twice). The answer row must have a bounded size for
     * this, as {@link PostgresStateStore#FINISH}'s says.
     */
    private static final int MAX_ROUND = 128;
    private static final String CLAIM_ALL = """
            select r.n, c.* from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::boolean[])
                   with ordinality as r(event_id, event_type, subscriber, owner, lease_until, even_if_done, n)
             cross join lateral nsps_claim(r.event_id, r.event_type, r.subscriber, r.owner, r.lease_until, r.even_if_done) c
             order by r.n""";
    /** The order in which a round writes its events' rows (the class's contract). */
    private static final Comparator<FinishOp> BY_EVENT_ID = Comparator.comparing(f -> f.finish().finishing().request().eventId());
    /** Lets go of one lock of each subscriber named, and counts those it held. */
    static final String LET_GO = """
            select count(*) filter (where released)
              from (select pg_advisory_unlock(hashtextextended(s, 0)) as released from unnest(?::text[]) s) let_go""";
    /**
     * {@link #LET_GO}, then {@link #CLAIM_ALL}: pgjdbc sends the two statements of one text in one
     * round trip, run in that order, and answers each one's rows in turn. Should the claims be
     * refused, their transaction rolls back, not the letting go: session locks ignore transactions.
     */
    static final String LET_GO_THEN_CLAIM_ALL = LET_GO + ";\n" + CLAIM_ALL;

    /** What a claim's round answered: the claim's row, or that it must be claimed on a connection of its own. */
    record ClaimAnswer(boolean alone, boolean claimed, boolean held, Optional<Instant> lastApplied, PostgresStateStore.FinishedRow finished,
                       long session) {

        static ClaimAnswer goAlone() {
            return new ClaimAnswer(true, false, false, Optional.empty(), null, 0);
        }
    }

    /** A delivery's finish as the round runs it: its statement's parameters are bound by {@link PostgresStateStore#bindFinish}. */
    record Finish(PostgresStateStore.Finishing finishing, long session) {
    }

    private sealed interface Op permits ClaimOp, FinishOp, LetGoOp {
    }

    private record ClaimOp(Claim.Request request, CompletableFuture<ClaimAnswer> answer) implements Op {
    }

    private record FinishOp(Finish finish, CompletableFuture<Void> done) implements Op {
    }

    private record LetGoOp(String subscriber, long session) implements Op {
    }

    private final Supplier<Connection> connections;
    private final Consumer<Connection> discard;
    private final Duration timeout;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread rounds;
    private volatile boolean closed;

    // Only the rounds' thread reads and writes these.
    private Connection connection;
    /** Which session the connection is (a new number for each connection), so that a delivery tells whether its locks survived. */
    private long sessionNumber;
    /** The subscribers this session holds. */
    private final Set<String> held = new HashSet<>();

    /**
     * @param connections opens the session's connection (again after one is lost); it is never given back
     * @param discard closes a session's connection for good (a pool must not hand it out again: its session may hold locks)
     * @param timeout STATE_DB_TIMEOUT, the bound of each statement; a caller waits three times that for its round
     */
    SharedSession(Supplier<Connection> connections, Consumer<Connection> discard, Duration timeout) {
        this.connections = connections;
        this.discard = discard;
        this.timeout = timeout;
        this.rounds = new Thread(this::runRounds, "nsps-state-rounds");
        this.rounds.setDaemon(true);
        this.rounds.start();
    }

    /** Claims in the next round; blocks until it ran. */
    ClaimAnswer claim(Claim.Request request) {
        CompletableFuture<ClaimAnswer> answer = new CompletableFuture<>();
        submit(new ClaimOp(request, answer));
        return await(answer, timeout.multipliedBy(3), "claiming an event");
    }

    /** Finishes in the next round; blocks until its commit (the subscriber is let go after it, without this wait). */
    void finish(Finish finish) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(new FinishOp(finish, done));
        await(done, timeout.multipliedBy(3), "finishing an event");
    }

    /** Lets go of a subscriber held by a delivery that will not finish (in the next round; does not wait). */
    void letGo(String subscriber, long claimedOn) {
        queue.add(new LetGoOp(subscriber, claimedOn));
    }

    private void submit(Op op) {
        if (closed) {
            throw new StateStoreException("the state store is closed", null);
        }
        queue.add(op);
        if (closed) {
            // Closed meanwhile: the rounds may have stopped before taking it.
            failQueued();
        }
    }

    /**
     * Waits for a round, {@code wait} at most (three times STATE_DB_TIMEOUT). A round that runs the operation
     * later finds it cancelled: a claim is not made, and what it would have held is not kept. An
     * answer that came as the wait ended is used (cancelling fails then), so none is dropped.
     */
    static <T> T await(CompletableFuture<T> result, Duration wait, String doing) {
        boolean interrupted = false;
        try {
            try {
                return result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (result.cancel(false)) {
                    throw new StateStoreException(doing + ": the database did not answer in time", null);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                if (result.cancel(false)) {
                    throw new StateStoreException(doing + ": interrupted", null);
                }
            }
            return result.join();
        } catch (ExecutionException | java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof StateStoreException s ? s : new StateStoreException(doing, e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        rounds.interrupt();
        try {
            rounds.join(timeout.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued();
    }

    private void failQueued() {
        List<Op> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, new StateStoreException("the state store is closed", null));
    }

    private void runRounds() {
        List<Op> round = new ArrayList<>();
        while (!closed) {
            try {
                round.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(round, MAX_ROUND - 1);
            try {
                runRound(round);
            } catch (Throwable e) {
                // The thread must outlive whatever a round throws (the driver asserts on a connection it found closed,
                // for one; an OutOfMemoryError ends the process, -XX:+ExitOnOutOfMemoryError): the round fails, and the
                // session, in a state not known, is given up with its locks.
                loseSession();
                fail(round, new StateStoreException("running the store's round", e));
            }
            round.clear();
        }
        loseSession();
    }

    private void runRound(List<Op> round) {
        List<FinishOp> finishes = new ArrayList<>();
        List<String> lettingGo = new ArrayList<>();
        List<ClaimOp> claims = new ArrayList<>();
        for (Op op : round) {
            if (op instanceof FinishOp f) {
                if (f.finish().session() == sessionNumber && connection != null) {
                    finishes.add(f);
                } else {
                    // Its session was lost, and with it the subscriber's lock, maybe to another delivery.
                    f.done().completeExceptionally(new StateStoreException("finishing an event: the session that held its subscriber was lost",
                            null));
                }
            } else if (op instanceof LetGoOp l) {
                if (l.session() == sessionNumber && held.contains(l.subscriber())) {
                    lettingGo.add(l.subscriber());
                }
            } else if (!((ClaimOp) op).answer().isDone()) {
                claims.add((ClaimOp) op); // (a claim whose caller stopped waiting is not made)
            }
        }
        try {
            runFinishes(finishes, lettingGo);
            runClaims(claims, lettingGo);
        } catch (SQLException e) {
            // The connection is lost, or a statement failed that leaves the session's locks not known (letting go, the
            // database's own bounds): the session is given up with its locks. (What a round carries fails one delivery
            // at a time, below.)
            loseSession();
            StateStoreException failure = new StateStoreException("the database session was lost", e);
            finishes.forEach(f -> f.done().completeExceptionally(failure));
            claims.forEach(c -> c.answer().completeExceptionally(failure));
        }
    }

    /**
     * The finishes in one transaction; adds their subscribers to {@code lettingGo}, which {@link #runClaims} lets go after
     * that commit.
     */
    private void runFinishes(List<FinishOp> finishes, List<String> lettingGo) throws SQLException {
        if (finishes.isEmpty()) {
            return;
        }
        finishes.sort(BY_EVENT_ID);
        Connection session = connection();
        List<FinishOp> finished = new ArrayList<>();
        // What a 2xx answer promises is committed as the database is configured; a round of failures only need not wait for the disk.
        boolean anyDone = finishes.stream().anyMatch(f -> f.finish().finishing().done());
        try (PreparedStatement statement = session.prepareStatement(PostgresStateStore.FINISH)) {
            for (FinishOp f : finishes) {
                PostgresStateStore.bindFinish(statement, f.finish().finishing(), PostgresStateStore.synchronousCommit(anyDone), false);
                statement.addBatch();
            }
            statement.executeBatch();
            finished.addAll(finishes);
        } catch (SQLException e) {
            if (!refusedForWhatItCarries(e, session)) {
                throw e;
            }
            // One of them is refused for what it carries: each alone, so that the others finish.
            for (FinishOp f : finishes) {
                try (PreparedStatement alone = session.prepareStatement(PostgresStateStore.FINISH)) {
                    PostgresStateStore.Finishing finishing = f.finish().finishing();
                    PostgresStateStore.bindFinish(alone, finishing, PostgresStateStore.synchronousCommit(finishing.done()), false);
                    alone.execute();
                    f.done().complete(null); // (committed: answered now, whatever the next one meets)
                    finished.add(f);
                } catch (SQLException refused) {
                    if (!refusedForWhatItCarries(refused, session)) {
                        throw refused;
                    }
                    // Its subscriber is given back as a failed finish's always is; the event's claim runs out.
                    f.done().completeExceptionally(new StateStoreException("finishing an event", refused));
                    addSubscriber(lettingGo, f);
                }
            }
        }
        // Committed: their callers are answered now. The letting go that follows runs before any later claim of this
        // instance (this thread runs both), and another instance's claim waits for the lock; if it fails, the session is
        // given up (its locks go with its connection), and what was committed stays answered.
        for (FinishOp f : finished) {
            f.done().complete(null);
            addSubscriber(lettingGo, f);
        }
    }

    private void addSubscriber(List<String> lettingGo, FinishOp f) {
        String subscriber = f.finish().finishing().request().subscriber();
        if (subscriber != null && held.contains(subscriber) && !lettingGo.contains(subscriber)) {
            lettingGo.add(subscriber);
        }
    }

    /**
     * Lets go of {@code lettingGo}, then makes the claims in one statement, both in one round trip; claims whose subscriber
     * this session holds, or another of the round names, go alone. (A claim may take a subscriber let go here again:
     * the letting go runs first.)
     */
    private void runClaims(List<ClaimOp> claims, List<String> lettingGo) throws SQLException {
        lettingGo.forEach(held::remove);
        Set<String> named = new HashSet<>();
        List<ClaimOp> here = new ArrayList<>();
        for (ClaimOp c : claims) {
            String subscriber = c.request().subscriber();
            if (c.answer().isDone()) {
                continue; // (its caller stopped waiting, during the finishes maybe)
            }
            if (subscriber != null && (held.contains(subscriber) || !named.add(subscriber))) {
                c.answer().complete(ClaimAnswer.goAlone());
            } else {
                here.add(c);
            }
        }
        if (here.isEmpty()) {
            if (!lettingGo.isEmpty()) {
                letGo(connection(), lettingGo);
            }
            return;
        }
        Connection session = connection();
        try {
            claimAll(session, here, lettingGo);
        } catch (SQLException e) {
            if (!refusedForWhatItCarries(e, session)) {
                throw e;
            }
            // The statement's claims were rolled back, not the locks its rows took (session locks outlive a rollback), nor
            // the letting go if it ran before the refusal: each lock is let go once more where it may still be held.
            List<String> mayHold = new ArrayList<>(lettingGo);
            mayHold.addAll(subscribers(here));
            releaseIfTaken(session, mayHold);
            for (ClaimOp c : here) {
                if (c.answer().isDone()) {
                    continue;
                }
                try {
                    claimAll(session, List.of(c), List.of());
                } catch (SQLException refused) {
                    if (!refusedForWhatItCarries(refused, session)) {
                        throw refused;
                    }
                    releaseIfTaken(session, subscribers(List.of(c)));
                    c.answer().completeExceptionally(new StateStoreException("claiming an event", refused));
                }
            }
        }
    }

    private static List<String> subscribers(List<ClaimOp> claims) {
        return claims.stream().map(c -> c.request().subscriber()).filter(java.util.Objects::nonNull).toList();
    }

    /** Lets go of one lock of each subscriber ({@link #checkLetGo}). */
    private static void letGo(Connection session, List<String> subscribers) throws SQLException {
        checkLetGo(unlock(session, subscribers), subscribers);
    }

    /**
     * When fewer locks were let go than subscribers named, this instance's record of what its
     * session holds and the server's no longer agree: the session is then given up (its connection
     * closed, with every lock), rather than trusted.
     */
    private static void checkLetGo(int released, List<String> subscribers) throws LocksDisagree {
        if (released != subscribers.size()) {
            throw new LocksDisagree("the session held " + released + " of the " + subscribers.size() + " subscriber locks it was to let go");
        }
    }

    /** Letting go found fewer locks than the session's record lists: never a refusal for what a round carries. */
    private static final class LocksDisagree extends SQLException {

        LocksDisagree(String message) {
            super(message);
        }
    }

    /** Lets go of one lock of each subscriber named (as often as named) that a failed statement may have left held. */
    private static void releaseIfTaken(Connection session, List<String> subscribers) throws SQLException {
        unlock(session, subscribers);
    }

    /** Lets go of one lock of each subscriber; returns how many the session held. */
    private static int unlock(Connection session, List<String> subscribers) throws SQLException {
        if (subscribers.isEmpty()) {
            return 0;
        }
        try (PreparedStatement letGo = session.prepareStatement(LET_GO)) {
            letGo.setArray(1, session.createArrayOf("text", subscribers.toArray()));
            try (ResultSet released = letGo.executeQuery()) {
                released.next();
                return released.getInt(1);
            }
        }
    }

    /**
     * Whether a statement failed for what it carries (a value the database refuses), so that
     * running its deliveries one at a time lets the others through; not when the connection is
     * unusable, nor when the database's own bounds stopped it (a timeout, a lock not available, a
     * deadlock), which one at a time would only repeat, nor when letting go found the session's
     * record of its locks wrong (the session is then given up).
     */
    private static boolean refusedForWhatItCarries(SQLException e, Connection session) {
        if (e instanceof LocksDisagree) {
            return false;
        }
        String state = e.getSQLState();
        if (state != null && (state.equals("57014") || state.equals("55P03") || state.startsWith("40") || state.startsWith("08")
                || state.startsWith("57"))) {
            return false;
        }
        return usable(session);
    }

    /** Lets go of {@code lettingGo} (unless empty), then makes {@code unordered}'s claims, in one round trip. */
    private void claimAll(Connection session, List<ClaimOp> unordered, List<String> lettingGo) throws SQLException {
        List<ClaimOp> claims = new ArrayList<>(unordered);
        claims.sort(Comparator.comparing(c -> c.request().eventId()));
        int size = claims.size();
        Object[] ids = new Object[size];
        Object[] types = new Object[size];
        Object[] subscribers = new Object[size];
        Object[] owners = new Object[size];
        Object[] leases = new Object[size];
        Object[] evenIfDone = new Object[size];
        for (int i = 0; i < size; i++) {
            Claim.Request request = claims.get(i).request();
            ids[i] = request.eventId();
            types[i] = request.eventType();
            subscribers[i] = request.subscriber();
            owners[i] = request.owner();
            leases[i] = Timestamp.from(request.leaseUntil());
            evenIfDone[i] = request.evenIfDone();
        }
        Map<Integer, ClaimAnswer> answers = new LinkedHashMap<>();
        boolean lettingGoFirst = !lettingGo.isEmpty();
        try (PreparedStatement statement = session.prepareStatement(lettingGoFirst ? LET_GO_THEN_CLAIM_ALL : CLAIM_ALL)) {
            int p = 0;
            if (lettingGoFirst) {
                statement.setArray(++p, array(session, "text", lettingGo.toArray()));
            }
            statement.setArray(++p, array(session, "text", ids));
            statement.setArray(++p, array(session, "text", types));
            statement.setArray(++p, array(session, "text", subscribers));
            statement.setArray(++p, array(session, "text", owners));
            statement.setArray(++p, array(session, "timestamptz", leases));
            statement.setArray(++p, array(session, "bool", evenIfDone));
            statement.execute();
            if (lettingGoFirst) {
                try (ResultSet released = statement.getResultSet()) {
                    released.next();
                    checkLetGo(released.getInt(1), lettingGo);
                }
                statement.getMoreResults();
            }
            try (ResultSet row = statement.getResultSet()) {
                while (row.next()) {
                    boolean claimed = row.getBoolean("claimed");
                    boolean holds = row.getBoolean("subscriber_held");
                    Optional<Instant> last = Optional.ofNullable(row.getTimestamp("last_event_time")).map(Timestamp::toInstant);
                    PostgresStateStore.FinishedRow finished = claimed || row.getString("state") == null ? null
                            : PostgresStateStore.finishedRow(row);
                    answers.put(row.getInt("n"), new ClaimAnswer(false, claimed, holds, last, finished, sessionNumber));
                }
            }
        }
        for (int i = 0; i < size; i++) {
            ClaimOp c = claims.get(i);
            ClaimAnswer answer = answers.get(i + 1);
            if (answer == null) {
                c.answer().completeExceptionally(new StateStoreException("claiming an event: no answer for it", null));
                continue;
            }
            String subscriber = c.request().subscriber();
            if (answer.claimed() && answer.held() && subscriber != null) {
                held.add(subscriber);
                if (!c.answer().complete(answer)) {
                    // Its caller stopped waiting: no delivery will finish it, so its subscriber is let go in the next round
                    // (the event's claim runs out with its lease, as that of a delivery that died).
                    queue.add(new LetGoOp(subscriber, sessionNumber));
                }
            } else {
                c.answer().complete(answer);
            }
        }
    }

    private static Array array(Connection connection, String type, Object[] values) throws SQLException {
        return connection.createArrayOf(type, values);
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            try {
                connection = connections.get();
            } catch (StateStoreException e) {
                throw new SQLException("opening the store's session", e);
            }
            sessionNumber++;
        }
        return connection;
    }

    private static boolean usable(Connection connection) {
        try {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Gives up the session: its connection closed for good (never back to a pool, which would hand
     * it out again with its locks), every lock of the session with it; the next round opens a new
     * session, under a new number.
     */
    private void loseSession() {
        if (connection != null) {
            try {
                discard.accept(connection);
            } catch (RuntimeException e) {
                // closed already
            }
            connection = null;
        }
        held.clear();
    }

    private static void fail(List<Op> ops, StateStoreException failure) {
        for (Op op : ops) {
            if (op instanceof ClaimOp c) {
                c.answer().completeExceptionally(failure);
            } else if (op instanceof FinishOp f) {
                f.done().completeExceptionally(failure);
            }
        }
    }
}
