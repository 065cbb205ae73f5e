package io.nsps.connector.state.postgres;

import io.nsps.connector.state.Claim;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.state.Delivery;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;

/**
 * {@code STATE_STORE=postgres}: state shared by every instance through PostgreSQL (HikariCP pool,
 * schema migrated by Flyway at start-up). A delivery's claim and finish are each one statement:
 *
 * <ul>
 *   <li>{@link #claim}: one call of {@code nsps_claim} (V4): the claim's atomic upsert (it takes the
 *       event when it is new, failed, or claimed with an expired lease, its owner having crashed),
 *       the subscriber's advisory lock taken without waiting, and the subscriber's last applied
 *       time. The claim is committed at once, durably: a claim lost in a database crash would let
 *       a second delivery provision the event beside the first.</li>
 *   <li>{@link Delivery#finish}: the event's outcome, its subscriber's new time and its journal entry
 *       in one statement ({@link #FINISH}), committed, and the subscriber's lock let go after the
 *       commit (so that the next holder reads the new time).</li>
 * </ul>
 *
 * The deliveries of this instance run both in the rounds of one shared session
 * ({@link SharedSession}), which holds their subscriber locks (session-level advisory locks) from
 * claim to finish: a round of N deliveries costs a few statements and two commits. A delivery whose
 * subscriber is busy (held by another instance, or already by the shared session) waits for it on a
 * pooled connection of its own, holds it there, and finishes there ({@link PostgresDelivery}); so does
 * a delivery of two subscribers (a replacement's), which holds both and finishes both times in one
 * transaction ({@link #FINISH_ALSO}). The
 * server lets go of a session's locks when its connection goes; a delivery whose own finish failed
 * evicts its connection, which does the same.
 */
public final class PostgresStateStore implements StateStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** Two deliveries each waiting for the other's subscriber (replacements of each other's SIMs). */
    private static final String DEADLOCK_DETECTED = "40P01";
    /** What instances of 0.1 read from nsps_event.status and error_type to tell done from failed. */
    private static final int LEGACY_DONE_STATUS = 202;
    private static final int LEGACY_FAILED_STATUS = 503;
    private static final String LEGACY_FAILED_TYPE = "connection_error";
    private static final String DEFERRED = "deferred";

    private final HikariDataSource pool;
    /** The one connection of the shared session (its own pool, so that the deliveries' pool keeps its size). */
    private final HikariDataSource sessionPool;
    private final SharedSession session;
    /** STATE_DB_TIMEOUT: the bound of every statement, of a connection's wait in the pool, and of each socket read. */
    private final Duration timeout;
    /** Runs the driver's network-timeout changes (it asks for an executor; they are immediate). */
    private final Executor networkTimeouts = Runnable::run;

    private PostgresStateStore(HikariDataSource pool, HikariDataSource sessionPool, Duration timeout) {
        this.pool = pool;
        this.sessionPool = sessionPool;
        this.timeout = timeout;
        this.session = new SharedSession(() -> {
            try {
                return sessionPool.getConnection();
            } catch (SQLException e) {
                throw new StateStoreException("opening the store's session", e);
            }
        }, sessionPool::evictConnection, timeout);
    }

    /**
     * Connects, migrates the schema, and returns the store.
     *
     * @param timeout how long any one call may wait for the database: for a connection from the pool,
     *     for a statement to run ({@code statement_timeout}), for the socket to deliver a byte; a
     *     stalled database then fails the call with {@link StateStoreException} (503) instead of
     *     holding the event
     */
    public static PostgresStateStore open(String jdbcUrl, String user, String password, String schema, int poolSize, Duration timeout) {
        return open(jdbcUrl, user, password, schema, poolSize, timeout, null);
    }

    /** @param metrics where the connection pool reports its usage (hikaricp_connections_*), or null */
    public static PostgresStateStore open(String jdbcUrl, String user, String password, String schema, int poolSize, Duration timeout,
                                          io.micrometer.core.instrument.MeterRegistry metrics) {
        long millis = Math.max(250, timeout.toMillis());
        HikariConfig config = new HikariConfig();
        config.setPoolName("nsps-state");
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(millis);
        config.setValidationTimeout(Math.max(250, millis / 2));
        config.setSchema(schema);
        config.addDataSourceProperty("ApplicationName", "nsps-connector");
        long seconds = (millis + 999) / 1000;
        config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
        // The socket bound is a little above the statement bound, so a slow statement is cancelled
        // by the server (a clean error) before the driver gives up on the connection.
        config.addDataSourceProperty("socketTimeout", Long.toString(seconds + 1));
        config.addDataSourceProperty("options", "-c statement_timeout=" + millis);
        if (metrics != null) {
            config.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(metrics));
        }
        HikariConfig sessionConfig = new HikariConfig();
        config.copyStateTo(sessionConfig);
        sessionConfig.setPoolName("nsps-state-session");
        sessionConfig.setMaximumPoolSize(1);
        sessionConfig.setMinimumIdle(0);
        sessionConfig.setMetricsTrackerFactory(null);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).schemas(schema).defaultSchema(schema).createSchemas(true)
                    .locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        try {
            return new PostgresStateStore(pool, new HikariDataSource(sessionConfig), Duration.ofMillis(millis));
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    @Override
    public void check() {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("select 1");
        } catch (SQLException e) {
            throw new StateStoreException("checking the database", e);
        }
    }

    /**
     * Claims in the shared session's next round ({@link SharedSession}). A claim whose subscriber
     * that session holds already is claimed on a connection of its own ({@link #claimAlone}), and
     * one whose subscriber another session holds waits for it on a connection of its own: either
     * delivery then holds its subscriber there, and finishes there.
     */
    @Override
    public Claim claim(Claim.Request request) {
        if (request.alsoSubscriber() != null) {
            // Two subscribers to hold (a replacement, rare): on a connection of its own, not in the rounds.
            return claimAlone(request);
        }
        SharedSession.ClaimAnswer answer = session.claim(request);
        if (answer.alone()) {
            return claimAlone(request);
        }
        if (!answer.claimed()) {
            return notClaimed(Optional.ofNullable(answer.finished()));
        }
        if (answer.held()) {
            return new Claim.Claimed(new SessionDelivery(request, answer.session(), answer.lastApplied()));
        }
        Connection connection = connection("waiting for a subscriber");
        boolean handedOver = false;
        try {
            Optional<Instant> last = waitForSubscriber(connection, request.subscriber(), request.subscriberWait());
            handedOver = true;
            return new Claim.Claimed(new PostgresDelivery(connection, request, last != null, last != null ? last : Optional.empty()));
        } catch (SQLException e) {
            evict(connection);
            connection = null;
            throw new StateStoreException("waiting for a subscriber", e);
        } finally {
            if (!handedOver && connection != null) {
                close(connection);
            }
        }
    }

    private static Claim notClaimed(Optional<FinishedRow> finished) {
        return finished.<Claim>map(done -> done.outcome() instanceof Outcome.Done d ? new Claim.AlreadyDone(d, done.fingerprint())
                : new Claim.InFlight()).orElseGet(Claim.InFlight::new);
    }

    /** A claim on a connection of its own, which holds the subscriber until the delivery finishes on it. */
    private Claim claimAlone(Claim.Request request) {
        // One wait for both subscribers, when there are two: SUBSCRIBER_LOCK_WAIT bounds the delivery's, not each lock's.
        long waitUntil = System.nanoTime() + request.subscriberWait().toNanos();
        Connection connection = connection("claiming an event");
        boolean handedOver = false;
        try (PreparedStatement claim = connection.prepareStatement("select * from nsps_claim(?, ?, ?, ?, ?, ?)")) {
            claim.setString(1, request.eventId());
            claim.setString(2, request.eventType());
            claim.setString(3, request.subscriber());
            claim.setString(4, request.owner());
            claim.setTimestamp(5, Timestamp.from(request.leaseUntil()));
            claim.setBoolean(6, request.evenIfDone());
            boolean claimed;
            boolean held;
            Optional<Instant> last;
            Optional<FinishedRow> finished;
            try (ResultSet row = waitingFor(claim::executeQuery)) {
                row.next();
                claimed = row.getBoolean("claimed");
                held = row.getBoolean("subscriber_held");
                last = Optional.ofNullable(row.getTimestamp("last_event_time")).map(Timestamp::toInstant);
                finished = claimed || row.getString("state") == null ? Optional.empty() : Optional.of(finishedRow(row));
            }
            if (!claimed) {
                return notClaimed(finished);
            }
            if (!held) {
                last = waitForSubscriber(connection, request.subscriber(), request.subscriberWait());
                held = last != null;
            }
            if (held && request.alsoSubscriber() != null && waitForSubscriber(connection, request.alsoSubscriber(),
                    Duration.ofNanos(Math.max(0, waitUntil - System.nanoTime()))) == null) {
                // Both or neither: the first one goes back before the connection does.
                unlock(connection, request.subscriber());
                held = false;
            }
            handedOver = true;
            return new Claim.Claimed(new PostgresDelivery(connection, request, held, held ? last : Optional.empty()));
        } catch (SQLException e) {
            evict(connection);
            connection = null;
            throw new StateStoreException("claiming an event", e);
        } finally {
            if (!handedOver && connection != null) {
                close(connection);
            }
        }
    }

    /**
     * Waits up to {@code wait} for the subscriber's lock another delivery holds, in one round trip
     * that raises this connection's bounds for that wait only.
     *
     * @return the subscriber's last applied time once held, or null when it was still busy after {@code wait}
     */
    private Optional<Instant> waitForSubscriber(Connection connection, String subscriber, Duration wait) throws SQLException {
        long lockWait = Math.max(1, wait.toMillis());
        int usualNetworkTimeout = connection.getNetworkTimeout();
        connection.setNetworkTimeout(networkTimeouts, (int) Math.min(Integer.MAX_VALUE, lockWait + 2 * timeout.toMillis()));
        try (PreparedStatement lock = connection.prepareStatement("begin; set local lock_timeout = " + lockWait
                + "; set local statement_timeout = " + (lockWait + timeout.toMillis()) + "; select pg_advisory_lock(hashtextextended(?, 0));"
                + " select last_event_time from nsps_subscriber where subscriber = ?; commit")) {
            lock.setString(1, subscriber);
            lock.setString(2, subscriber);
            waitingFor(lock::execute);
            Optional<Instant> last = Optional.empty();
            do {
                try (ResultSet row = lock.getResultSet()) {
                    if (row != null && row.getMetaData().getColumnName(1).equals("last_event_time") && row.next()) {
                        last = Optional.of(row.getTimestamp(1).toInstant());
                    }
                }
            } while (lock.getMoreResults() || lock.getUpdateCount() != -1);
            return last;
        } catch (SQLException e) {
            if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState()) && !DEADLOCK_DETECTED.equals(e.getSQLState())) {
                throw e;
            }
            try (Statement rollback = connection.createStatement()) {
                rollback.execute("rollback");
            }
            // The lock may have come before a later statement's wait ran out (the subscriber's row behind a table lock): a
            // session lock outlives the rollback, and this connection goes back to the pool.
            unlock(connection, subscriber);
            return null;
        } finally {
            connection.setNetworkTimeout(networkTimeouts, usualNetworkTimeout);
        }
    }

    /** Lets go of this connection's session lock of the subscriber (none held: nothing). */
    private static void unlock(Connection connection, String subscriber) throws SQLException {
        try (PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(hashtextextended(?, 0))")) {
            unlock.setString(1, subscriber);
            unlock.execute();
        }
    }

    @Override
    public Optional<Outcome> finished(String eventId) {
        try (Connection connection = pool.getConnection()) {
            return finishedRow(connection, eventId).map(FinishedRow::outcome);
        } catch (SQLException e) {
            throw new StateStoreException("reading an event", e);
        }
    }

    record FinishedRow(Outcome outcome, EventFingerprint fingerprint) {
    }

    private static Optional<FinishedRow> finishedRow(Connection connection, String eventId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                select state, outcome, failure, message, error, retry_after_ms, headers, data_hash, event_time
                  from nsps_event where event_id = ? and state <> 'in_flight'""")) {
            statement.setString(1, eventId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(finishedRow(row)) : Optional.empty();
            }
        }
    }

    /** The finished event on the row {@code row} is at (columns named as nsps_event's). */
    static FinishedRow finishedRow(ResultSet row) throws SQLException {
        Outcome outcome;
        if ("done".equals(row.getString("state"))) {
            outcome = new Outcome.Done(result(row.getString("outcome")), row.getString("message"));
        } else if (DEFERRED.equals(row.getString("outcome"))) {
            outcome = new Outcome.Deferred(reason(row.getString("failure")), row.getString("message"), row.getString("error"));
        } else {
            outcome = new Outcome.Failed(failure(row.getString("failure")), row.getString("message"), row.getString("error"),
                    retryAfter(row.getObject("retry_after_ms", Long.class), row.getString("headers")), List.of());
        }
        int dataHash = row.getInt("data_hash");
        EventFingerprint fingerprint = row.wasNull() ? null : new EventFingerprint(dataHash,
                row.getTimestamp("event_time") == null ? null : row.getTimestamp("event_time").toInstant());
        return new FinishedRow(outcome, fingerprint);
    }

    /** A done row's result; rows of 0.1 say processed, ignored or stale too. */
    private static Outcome.Done.Result result(String outcome) {
        for (Outcome.Done.Result result : Outcome.Done.Result.values()) {
            if (result.name().equalsIgnoreCase(outcome)) {
                return result;
            }
        }
        return Outcome.Done.Result.PROCESSED;
    }

    private static Outcome.Deferred.Reason reason(String reason) {
        for (Outcome.Deferred.Reason each : Outcome.Deferred.Reason.values()) {
            if (each.name().equalsIgnoreCase(reason)) {
                return each;
            }
        }
        return Outcome.Deferred.Reason.IN_FLIGHT;
    }

    /** A failed row's failure; a row of 0.1 has none, and is taken as transient. */
    private static Outcome.Failed.Failure failure(String failure) {
        for (Outcome.Failed.Failure each : Outcome.Failed.Failure.values()) {
            if (each.name().equalsIgnoreCase(failure)) {
                return each;
            }
        }
        return Outcome.Failed.Failure.UPSTREAM_UNAVAILABLE;
    }

    /** retry_after_ms, or (rows of 0.1) the Retry-After kept in headers. */
    private static Duration retryAfter(Long millis, String headers) {
        if (millis != null) {
            return Duration.ofMillis(millis);
        }
        String seconds = headers(headers).get("Retry-After");
        return seconds != null && seconds.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(seconds)) : null;
    }

    @Override
    public void journalRefusal(String eventId, String eventType, String instance, Instant receivedAt, Outcome.Failed outcome) {
        try (Connection connection = pool.getConnection(); PreparedStatement journal = connection.prepareStatement("""
                insert into nsps_event_journal (event_id, event_type, instance, received_at, finished_at, outcome, error, message)
                values (?, ?, ?, ?, now(), ?, ?, ?)""")) {
            journal.setString(1, eventId);
            journal.setString(2, eventType);
            journal.setString(3, instance);
            journal.setTimestamp(4, Timestamp.from(receivedAt));
            journal.setString(5, outcome.failure().name().toLowerCase(Locale.ROOT));
            journal.setString(6, outcome.error());
            journal.setString(7, outcome.message());
            journal.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("journaling a refused event", e);
        }
    }

    @Override
    public Optional<Instant> lastApplied(String subscriber) {
        try (Connection connection = pool.getConnection();
             PreparedStatement read = connection.prepareStatement("select last_event_time from nsps_subscriber where subscriber = ?")) {
            read.setString(1, subscriber);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? Optional.of(row.getTimestamp(1).toInstant()) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StateStoreException("reading a subscriber's last applied time", e);
        }
    }

    @Override
    public List<Journal.Entry> journal(Journal.Query query) {
        StringBuilder sql = new StringBuilder("""
                select j.id, j.event_id, j.event_type, j.subscriber, p.subscriber, j.instance, j.received_at, j.finished_at,
                       j.outcome, j.error, j.message, j.upstream_calls, j.replay, j.body is not null
                  from nsps_event_journal j left join nsps_event_journal_previous_subscriber p on p.journal_id = j.id
                 where true""");
        List<Object> parameters = new ArrayList<>();
        if (query.failedOnly()) {
            // A done delivery's outcome is a result (processed, ignored, stale, duplicate); 0.1's rows say the same.
            // Each event's latest delivery only: one that failed and then succeeded is not failed any more.
            sql.append(" and (j.outcome is null or j.outcome not in ('processed', 'ignored', 'stale', 'duplicate'))"
                    // Deliveries without an event id (refused for it) are each an event of their own.
                    + " and (j.event_id = '' or not exists (select 1 from nsps_event_journal later where later.event_id = j.event_id"
                    + " and later.id > j.id))");
        }
        if (query.subscriber() != null) {
            // As a union, not an "or": each part is read through its own index.
            sql.append(" and j.id in (select id from nsps_event_journal where subscriber = ?"
                    + " union all select journal_id from nsps_event_journal_previous_subscriber where subscriber = ?)");
            parameters.add(query.subscriber());
            parameters.add(query.subscriber());
        }
        if (query.eventId() != null) {
            sql.append(" and j.event_id = ?");
            parameters.add(query.eventId());
        }
        if (query.since() != null) {
            sql.append(" and j.finished_at >= ?");
            parameters.add(Timestamp.from(query.since()));
        }
        sql.append(" order by j.id desc limit ?");
        parameters.add(query.limit());
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 1, parameters.get(i));
            }
            List<Journal.Entry> entries = new ArrayList<>();
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    entries.add(new Journal.Entry(row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                            row.getString(6), row.getTimestamp(7).toInstant(), row.getTimestamp(8).toInstant(),
                            journalOutcome(row.getString(9), row.getString(11), row.getString(10)),
                            JournalCalls.fromJson(row.getString(12)), row.getBoolean(13), row.getBoolean(14)));
                }
            }
            return entries;
        } catch (SQLException e) {
            throw new StateStoreException("reading the journal", e);
        }
    }

    @Override
    public Optional<byte[]> journalBody(String eventId, Instant keptSince) {
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(
                "select body from nsps_event_journal where event_id = ? and body is not null and finished_at >= ? order by id desc limit 1")) {
            statement.setString(1, eventId);
            statement.setTimestamp(2, Timestamp.from(keptSince));
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(row.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StateStoreException("reading an event's body", e);
        }
    }

    @Override
    public void purgeJournalBodiesBefore(Instant cutoff) {
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(
                "update nsps_event_journal set body = null where body is not null and finished_at < ?")) {
            statement.setTimestamp(1, Timestamp.from(cutoff));
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("purging the journal's bodies", e);
        }
    }

    /** A journal row's outcome: its kind (a result, a failure, or a deferral's reason), message and error. */
    private static Outcome journalOutcome(String kind, String message, String error) {
        String text = message == null ? "" : message;
        if (kind != null) {
            for (Outcome.Done.Result result : Outcome.Done.Result.values()) {
                if (result.name().equalsIgnoreCase(kind)) {
                    return new Outcome.Done(result, text);
                }
            }
            for (Outcome.Deferred.Reason reason : Outcome.Deferred.Reason.values()) {
                if (reason.name().equalsIgnoreCase(kind)) {
                    return new Outcome.Deferred(reason, text, error);
                }
            }
        }
        return new Outcome.Failed(failure(kind), text, error);
    }

    @Override
    public void purgeFinishedBefore(Instant cutoff) {
        try (Connection connection = pool.getConnection();
             PreparedStatement events = connection.prepareStatement("delete from nsps_event where state <> 'in_flight' and finished_at < ?");
             PreparedStatement journal = connection.prepareStatement("delete from nsps_event_journal where finished_at < ?");
             // The previous SIMs of the entries gone, whoever purged them (an instance of 0.1 too). A few rows: replacements only.
             PreparedStatement previous = connection.prepareStatement("delete from nsps_event_journal_previous_subscriber p"
                     + " where not exists (select 1 from nsps_event_journal j where j.id = p.journal_id)")) {
            events.setTimestamp(1, Timestamp.from(cutoff));
            events.executeUpdate();
            journal.setTimestamp(1, Timestamp.from(cutoff));
            journal.executeUpdate();
            previous.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("purging old events", e);
        }
    }

    @Override
    public void close() {
        session.close();
        sessionPool.close();
        pool.close();
    }

    private static Map<String, String> headers(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Map.of();
        }
    }

    /** A statement the database answers. */
    @FunctionalInterface
    private interface RoundTrip<T> {
        T run() throws SQLException;
    }

    /**
     * Runs a round trip to the database naming what the thread waits on, as a parked thread does
     * ({@link LockSupport#setCurrentBlocker}): blocked in its socket read, it would look runnable,
     * and the worker pool would not let another event run meanwhile (EventHandler's threading rule).
     */
    private <T> T waitingFor(RoundTrip<T> roundTrip) throws SQLException {
        LockSupport.setCurrentBlocker(this);
        try {
            return roundTrip.run();
        } finally {
            LockSupport.setCurrentBlocker(null);
        }
    }

    private Connection connection(String doing) {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw new StateStoreException(doing, e);
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // the pool has discarded it
        }
    }

    /**
     * Closes a connection for good instead of giving it back to the pool: its session may hold a
     * subscriber's lock, or be in a failed transaction; the server lets go of both with it.
     */
    private void evict(Connection connection) {
        pool.evictConnection(connection);
    }

    /**
     * The statement that finishes a delivery: the event's outcome and fingerprint, its subscriber's
     * last applied time when it applied one (kept only if newer), and its journal entry (with a
     * replacement's previous SIM, in a table of its own), in one transaction; {@code
     * synchronous_commit} is turned off for it when it is given "off". Then,
     * when the delivery holds its subscriber, the hand-over: the session's lock becomes the
     * transaction's (taken again per transaction, then let go per session), so that the server lets
     * go of it at the commit, and the next holder reads what this one wrote.
     *
     * <p>Its answer, read by no one, is two booleans: a row of a bounded size. Once pgjdbc has
     * described a statement (after a few runs on a connection), it sends a batch of one whose row
     * has no bounded size (a text column) a statement at a time, each its own round trip and, in
     * auto-commit, its own transaction; the shared session's round of finishes would no longer be
     * one (SharedSessionTest).
     */
    static final String FINISH = """
            with finished as (
                update nsps_event set state = ?, finished_at = now(), lease_until = null, status = ?, outcome = ?, failure = ?,
                       error_type = ?, message = ?, error = ?, retry_after_ms = ?, headers = '{}', data_hash = ?, event_time = ?
                 where event_id = ? and owner = ?
            ), applied as (
                insert into nsps_subscriber (subscriber, last_event_time, last_event_id)
                select ?, ?::timestamptz, ? where ?::timestamptz is not null
                on conflict (subscriber) do update set last_event_time = excluded.last_event_time,
                       last_event_id = excluded.last_event_id, updated_at = now()
                 where nsps_subscriber.last_event_time < excluded.last_event_time
            ), journaled as (
                insert into nsps_event_journal (event_id, event_type, subscriber, instance, received_at, finished_at, outcome, error,
                                                message, upstream_calls, body, replay)
                values (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)
                returning id
            ), previously as (
                insert into nsps_event_journal_previous_subscriber (journal_id, subscriber)
                select id, ?::text from journaled where ?::text is not null
            )
            select set_config('synchronous_commit', coalesce(?, current_setting('synchronous_commit')), true) is not null,
                   case when handover.held then pg_advisory_unlock(hashtextextended(?, 0)) end
              from (select ? as held, case when ? then pg_advisory_xact_lock(hashtextextended(?, 0)) end offset 0) handover""";

    /**
     * A delivery's second subscriber, in its finish's transaction: the time applied (kept if newer,
     * none when null), and the session's lock handed over to the transaction, let go at the commit.
     */
    private static final String FINISH_ALSO = """
            with applied as (
                insert into nsps_subscriber (subscriber, last_event_time, last_event_id)
                select ?, ?::timestamptz, ? where ?::timestamptz is not null
                on conflict (subscriber) do update set last_event_time = excluded.last_event_time,
                       last_event_id = excluded.last_event_id, updated_at = now()
                 where nsps_subscriber.last_event_time < excluded.last_event_time
            )
            select pg_advisory_unlock(hashtextextended(?, 0)) from (select pg_advisory_xact_lock(hashtextextended(?, 0)) offset 0) handover""";

    /** What one delivery's finish writes (the parameters of {@link #FINISH}). */
    record Finishing(Claim.Request request, Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt,
                     Journal.Record record) {

        boolean done() {
            return outcome instanceof Outcome.Done;
        }
    }

    /**
     * Binds {@link #FINISH} for one delivery.
     *
     * @param synchronousCommit the transaction's {@code synchronous_commit}, or null for the database's own
     * @param letGo whether the statement hands the session's lock of the subscriber over to its transaction, so that the server
     *     lets go of it at the commit
     */
    static void bindFinish(PreparedStatement finish, Finishing finishing, String synchronousCommit, boolean letGo) throws SQLException {
        Claim.Request request = finishing.request();
        Outcome outcome = finishing.outcome();
        boolean done = finishing.done();
        Outcome.Failed failed = outcome instanceof Outcome.Failed f ? f : null;
        // outcome: the result of a done event, "failed" or "deferred"; failure: what failed or why deferred.
        String kind;
        String error;
        if (outcome instanceof Outcome.Done d) {
            kind = d.result().name();
            error = null;
        } else if (outcome instanceof Outcome.Failed f) {
            kind = f.failure().name();
            error = f.error();
        } else {
            Outcome.Deferred d = (Outcome.Deferred) outcome;
            kind = d.reason().name();
            error = d.error();
        }
        kind = kind.toLowerCase(Locale.ROOT);
        Timestamp appliedAt = finishing.applied() == null || request.subscriber() == null ? null : Timestamp.from(finishing.applied());
        EventFingerprint fingerprint = finishing.fingerprint();
        Journal.Record record = finishing.record();
        int i = 0;
        finish.setString(++i, done ? "done" : "failed");
        // For instances of 0.1, which read done-ness from status (V2__fingerprint_and_outcome.sql).
        finish.setInt(++i, done ? LEGACY_DONE_STATUS : LEGACY_FAILED_STATUS);
        finish.setString(++i, done ? kind : outcome instanceof Outcome.Deferred ? DEFERRED : "failed");
        finish.setString(++i, done ? null : kind);
        finish.setString(++i, done ? null : LEGACY_FAILED_TYPE);
        finish.setString(++i, outcome.message());
        finish.setString(++i, error);
        if (failed != null && failed.retryAfter() != null) {
            finish.setLong(++i, failed.retryAfter().toMillis());
        } else {
            finish.setNull(++i, Types.BIGINT);
        }
        finish.setInt(++i, fingerprint.dataHash());
        finish.setTimestamp(++i, fingerprint.eventTime() == null ? null : Timestamp.from(fingerprint.eventTime()));
        finish.setString(++i, request.eventId());
        finish.setString(++i, request.owner());
        finish.setString(++i, request.subscriber());
        finish.setTimestamp(++i, appliedAt);
        finish.setString(++i, request.eventId());
        finish.setTimestamp(++i, appliedAt);
        finish.setString(++i, request.eventId());
        finish.setString(++i, request.eventType());
        finish.setString(++i, request.subscriber());
        finish.setString(++i, request.owner());
        finish.setTimestamp(++i, Timestamp.from(finishing.receivedAt()));
        finish.setString(++i, kind);
        finish.setString(++i, error);
        finish.setString(++i, outcome.message());
        finish.setString(++i, record.calls().isEmpty() ? null : JournalCalls.toJson(record.calls()));
        finish.setBytes(++i, record.body());
        finish.setBoolean(++i, record.replay());
        finish.setString(++i, request.alsoSubscriber());
        finish.setString(++i, request.alsoSubscriber());
        finish.setString(++i, synchronousCommit);
        finish.setString(++i, request.subscriber());
        finish.setBoolean(++i, letGo);
        finish.setBoolean(++i, letGo);
        finish.setString(++i, request.subscriber());
    }

    /**
     * The synchronous_commit of a finish: what a 2xx answer promises is as durable as the database
     * is configured to make a commit (the claim's too); a failure or a deferral lost in a crash only
     * makes NSPS's next delivery run the event again, so its commit does not wait for the disk.
     */
    static String synchronousCommit(boolean anyDone) {
        return anyDone ? null : "off";
    }

    /** A claimed event whose subscriber the shared session holds: it finishes in that session's next round. */
    private final class SessionDelivery implements Delivery {
        private final Claim.Request request;
        private final long claimedOn;
        private final Optional<Instant> lastApplied;
        private boolean over;

        SessionDelivery(Claim.Request request, long claimedOn, Optional<Instant> lastApplied) {
            this.request = request;
            this.claimedOn = claimedOn;
            this.lastApplied = lastApplied;
        }

        @Override
        public boolean holdsSubscriber() {
            return true;
        }

        @Override
        public Optional<Instant> lastApplied() {
            return lastApplied;
        }

        @Override
        public void finish(Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt, Journal.Record record) {
            over = true;
            session.finish(new SharedSession.Finish(new Finishing(request, outcome, applied, fingerprint, receivedAt, record), claimedOn));
        }

        @Override
        public void close() {
            if (!over) {
                over = true;
                if (request.subscriber() != null) {
                    session.letGo(request.subscriber(), claimedOn);
                }
            }
        }
    }

    /** A claimed event, and its subscriber's lock while this delivery holds it, on one connection of the pool. */
    private final class PostgresDelivery implements Delivery {
        private final Claim.Request request;
        private final boolean holdsSubscriber;
        private final Optional<Instant> lastApplied;
        private Connection connection;

        PostgresDelivery(Connection connection, Claim.Request request, boolean holdsSubscriber, Optional<Instant> lastApplied) {
            this.connection = connection;
            this.request = request;
            this.holdsSubscriber = holdsSubscriber;
            this.lastApplied = lastApplied;
        }

        @Override
        public boolean holdsSubscriber() {
            return holdsSubscriber;
        }

        @Override
        public Optional<Instant> lastApplied() {
            return lastApplied;
        }

        @Override
        public void finish(Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt, Journal.Record record) {
            Finishing finishing = new Finishing(request, outcome, applied, fingerprint, receivedAt, record);
            boolean withAlso = holdsSubscriber && request.alsoSubscriber() != null;
            try (PreparedStatement finish = connection.prepareStatement(FINISH)) {
                if (withAlso) {
                    // Both subscribers' times and locks, and the event's outcome, in one transaction.
                    connection.setAutoCommit(false);
                    finishAlso(applied);
                }
                bindFinish(finish, finishing, synchronousCommit(finishing.done()), holdsSubscriber && request.subscriber() != null);
                waitingFor(finish::execute);
                if (withAlso) {
                    waitingFor(() -> {
                        connection.commit();
                        return null;
                    });
                    connection.setAutoCommit(true);
                }
            } catch (SQLException e) {
                evict(connection);
                connection = null;
                throw new StateStoreException("finishing an event", e);
            }
            Connection finished = connection;
            connection = null;
            PostgresStateStore.close(finished);
        }

        private void finishAlso(Instant applied) throws SQLException {
            try (PreparedStatement also = connection.prepareStatement(FINISH_ALSO)) {
                Timestamp appliedAt = applied == null ? null : Timestamp.from(applied);
                also.setString(1, request.alsoSubscriber());
                also.setTimestamp(2, appliedAt);
                also.setString(3, request.eventId());
                also.setTimestamp(4, appliedAt);
                also.setString(5, request.alsoSubscriber());
                also.setString(6, request.alsoSubscriber());
                waitingFor(also::execute);
            }
        }

        @Override
        public void close() {
            if (connection == null) {
                return;
            }
            if (holdsSubscriber && request.subscriber() != null) {
                // Never finished while holding the subscriber: the connection's session holds its lock.
                evict(connection);
            } else {
                PostgresStateStore.close(connection);
            }
            connection = null;
        }
    }
}
