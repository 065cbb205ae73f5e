package io.nsps.connector.state.postgres;

import io.nsps.connector.state.Claim;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.state.SubscriberLock;
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
import org.flywaydb.core.Flyway;

/**
 * {@code STATE_STORE=postgres}: state shared by every instance through PostgreSQL (HikariCP pool,
 * schema migrated by Flyway at start-up).
 *
 * <ul>
 *   <li>Claims are one atomic upsert: it takes the event when it is new, failed, or claimed with an
 *       expired lease (its owner crashed), and nothing otherwise.</li>
 *   <li>Subscriber order is a transaction-scoped advisory lock held while the event is provisioned:
 *       released at commit, or by the server when an instance dies with its connection.</li>
 * </ul>
 */
public final class PostgresStateStore implements StateStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** What instances of 0.1 read from nsps_event.status and error_type to tell done from failed. */
    private static final int LEGACY_DONE_STATUS = 202;
    private static final int LEGACY_FAILED_STATUS = 503;
    private static final String LEGACY_FAILED_TYPE = "connection_error";
    private static final String DEFERRED = "deferred";

    private final HikariDataSource pool;
    /** STATE_DB_TIMEOUT: the bound of every statement, of a connection's wait in the pool, and of each socket read. */
    private final Duration timeout;
    /** Runs the driver's network-timeout changes (it asks for an executor; they are immediate). */
    private final Executor networkTimeouts = Runnable::run;

    private PostgresStateStore(HikariDataSource pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
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
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).schemas(schema).defaultSchema(schema).createSchemas(true)
                    .locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new PostgresStateStore(pool, Duration.ofMillis(millis));
    }

    @Override
    public void check() {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("select 1");
        } catch (SQLException e) {
            throw new StateStoreException("checking the database", e);
        }
    }

    @Override
    public Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil, boolean evenIfDone) {
        String take = """
                insert into nsps_event (event_id, event_type, subscriber, state, owner, lease_until)
                values (?, ?, ?, 'in_flight', ?, ?)
                on conflict (event_id) do update
                   set state = 'in_flight', owner = excluded.owner, lease_until = excluded.lease_until,
                       received_at = now(), finished_at = null
                 where nsps_event.state = 'failed'
                    or (nsps_event.state = 'in_flight' and nsps_event.lease_until < now())
                    or (? and nsps_event.state = 'done')
                returning event_id""";
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(take)) {
            statement.setString(1, eventId);
            statement.setString(2, eventType);
            statement.setString(3, subscriber);
            statement.setString(4, owner);
            statement.setTimestamp(5, Timestamp.from(leaseUntil));
            statement.setBoolean(6, evenIfDone);
            try (ResultSet taken = statement.executeQuery()) {
                if (taken.next()) {
                    return new Claim.Claimed();
                }
            }
            return finishedRow(connection, eventId)
                    .<Claim>map(row -> row.outcome() instanceof Outcome.Done done ? new Claim.AlreadyDone(done, row.fingerprint())
                            : new Claim.InFlight())
                    .orElseGet(Claim.InFlight::new);
        } catch (SQLException e) {
            throw new StateStoreException("claiming an event", e);
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

    private record FinishedRow(Outcome outcome, EventFingerprint fingerprint) {
    }

    private static Optional<FinishedRow> finishedRow(Connection connection, String eventId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                select state, outcome, failure, message, error, retry_after_ms, headers, data_hash, event_time
                  from nsps_event where event_id = ? and state <> 'in_flight'""")) {
            statement.setString(1, eventId);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                Outcome outcome;
                if ("done".equals(row.getString(1))) {
                    outcome = new Outcome.Done(result(row.getString(2)), row.getString(4));
                } else if (DEFERRED.equals(row.getString(2))) {
                    outcome = new Outcome.Deferred(reason(row.getString(3)), row.getString(4), row.getString(5));
                } else {
                    outcome = new Outcome.Failed(failure(row.getString(3)), row.getString(4), row.getString(5),
                            retryAfter(row.getObject(6, Long.class), row.getString(7)), List.of());
                }
                int dataHash = row.getInt(8);
                EventFingerprint fingerprint = row.wasNull() ? null : new EventFingerprint(dataHash,
                        row.getTimestamp(9) == null ? null : row.getTimestamp(9).toInstant());
                return Optional.of(new FinishedRow(outcome, fingerprint));
            }
        }
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
    public void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, Outcome outcome,
                       EventFingerprint fingerprint, Journal.Record record) {
        boolean done = outcome instanceof Outcome.Done;
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
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement update = connection.prepareStatement("""
                    update nsps_event set state = ?, finished_at = now(), lease_until = null, status = ?, outcome = ?, failure = ?,
                           error_type = ?, message = ?, error = ?, retry_after_ms = ?, headers = '{}', data_hash = ?, event_time = ?
                     where event_id = ? and owner = ?""");
                 PreparedStatement journal = connection.prepareStatement("""
                    insert into nsps_event_journal (event_id, event_type, subscriber, instance, received_at, finished_at, outcome, error,
                                                    message, upstream_calls, body, replay)
                    values (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)""")) {
                update.setString(1, done ? "done" : "failed");
                // For instances of 0.1, which read done-ness from status (V2__fingerprint_and_outcome.sql).
                update.setInt(2, done ? LEGACY_DONE_STATUS : LEGACY_FAILED_STATUS);
                update.setString(3, done ? kind : outcome instanceof Outcome.Deferred ? DEFERRED : "failed");
                update.setString(4, done ? null : kind);
                update.setString(5, done ? null : LEGACY_FAILED_TYPE);
                update.setString(6, outcome.message());
                update.setString(7, error);
                if (failed != null && failed.retryAfter() != null) {
                    update.setLong(8, failed.retryAfter().toMillis());
                } else {
                    update.setNull(8, Types.BIGINT);
                }
                update.setInt(9, fingerprint.dataHash());
                update.setTimestamp(10, fingerprint.eventTime() == null ? null : Timestamp.from(fingerprint.eventTime()));
                update.setString(11, eventId);
                update.setString(12, owner);
                update.executeUpdate();
                journal.setString(1, eventId);
                journal.setString(2, eventType);
                journal.setString(3, subscriber);
                journal.setString(4, owner);
                journal.setTimestamp(5, Timestamp.from(receivedAt));
                journal.setString(6, kind);
                journal.setString(7, error);
                journal.setString(8, outcome.message());
                journal.setString(9, record.calls().isEmpty() ? null : JournalCalls.toJson(record.calls()));
                journal.setBytes(10, record.body());
                journal.setBoolean(11, record.replay());
                journal.executeUpdate();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StateStoreException("finishing an event", e);
        }
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
    public List<Journal.Entry> journal(Journal.Query query) {
        StringBuilder sql = new StringBuilder("""
                select j.id, j.event_id, j.event_type, j.subscriber, j.instance, j.received_at, j.finished_at, j.outcome, j.error,
                       j.message, j.upstream_calls, j.replay, j.body is not null
                  from nsps_event_journal j where true""");
        List<Object> parameters = new ArrayList<>();
        if (query.failedOnly()) {
            // A done delivery's outcome is a result (processed, ignored, stale, duplicate); 0.1's rows say the same.
            // Each event's latest delivery only: one that failed and then succeeded is not failed any more.
            sql.append(" and (j.outcome is null or j.outcome not in ('processed', 'ignored', 'stale', 'duplicate'))"
                    + " and not exists (select 1 from nsps_event_journal later where later.event_id = j.event_id and later.id > j.id)");
        }
        if (query.subscriber() != null) {
            sql.append(" and j.subscriber = ?");
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
                            row.getTimestamp(6).toInstant(), row.getTimestamp(7).toInstant(),
                            journalOutcome(row.getString(8), row.getString(10), row.getString(9)),
                            JournalCalls.fromJson(row.getString(11)), row.getBoolean(12), row.getBoolean(13)));
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
    public SubscriberLock lockSubscriber(String subscriber, Duration wait) throws SubscriberBusyException {
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw new StateStoreException("locking a subscriber", e);
        }
        try {
            connection.setAutoCommit(false);
            // The lock may be waited for up to `wait`; only that statement's bounds are raised by it.
            long lockWait = Math.max(1, wait.toMillis());
            int usualNetworkTimeout = connection.getNetworkTimeout();
            connection.setNetworkTimeout(networkTimeouts, (int) Math.min(Integer.MAX_VALUE, lockWait + 2 * timeout.toMillis()));
            try (Statement timeouts = connection.createStatement()) {
                timeouts.execute("set local lock_timeout = " + lockWait);
                timeouts.execute("set local statement_timeout = " + (lockWait + timeout.toMillis()));
            }
            try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, subscriber);
                lock.execute();
            }
            try (Statement timeouts = connection.createStatement()) {
                timeouts.execute("set local statement_timeout = " + timeout.toMillis());
            }
            connection.setNetworkTimeout(networkTimeouts, usualNetworkTimeout);
            Optional<Instant> last;
            try (PreparedStatement read = connection.prepareStatement("select last_event_time from nsps_subscriber where subscriber = ?")) {
                read.setString(1, subscriber);
                try (ResultSet row = read.executeQuery()) {
                    last = row.next() ? Optional.of(row.getTimestamp(1).toInstant()) : Optional.empty();
                }
            }
            return new PostgresSubscriberLock(connection, subscriber, last);
        } catch (SQLException e) {
            rollbackAndClose(connection);
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw new SubscriberBusyException(subscriber);
            }
            throw new StateStoreException("locking a subscriber", e);
        }
    }

    @Override
    public void purgeFinishedBefore(Instant cutoff) {
        try (Connection connection = pool.getConnection();
             PreparedStatement events = connection.prepareStatement("delete from nsps_event where state <> 'in_flight' and finished_at < ?");
             PreparedStatement journal = connection.prepareStatement("delete from nsps_event_journal where finished_at < ?")) {
            events.setTimestamp(1, Timestamp.from(cutoff));
            events.executeUpdate();
            journal.setTimestamp(1, Timestamp.from(cutoff));
            journal.executeUpdate();
        } catch (SQLException e) {
            throw new StateStoreException("purging old events", e);
        }
    }

    @Override
    public void close() {
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

    private static void rollbackAndClose(Connection connection) {
        try (connection) {
            connection.rollback();
        } catch (SQLException e) {
            // the connection is broken; the pool discards it
        }
    }

    private static final class PostgresSubscriberLock implements SubscriberLock {
        private final Connection connection;
        private final String subscriber;
        private final Optional<Instant> last;

        PostgresSubscriberLock(Connection connection, String subscriber, Optional<Instant> last) {
            this.connection = connection;
            this.subscriber = subscriber;
            this.last = last;
        }

        @Override
        public Optional<Instant> lastApplied() {
            return last;
        }

        @Override
        public void applied(Instant eventTime, String eventId) {
            try (PreparedStatement upsert = connection.prepareStatement("""
                    insert into nsps_subscriber (subscriber, last_event_time, last_event_id) values (?, ?, ?)
                    on conflict (subscriber) do update set last_event_time = excluded.last_event_time,
                           last_event_id = excluded.last_event_id, updated_at = now()
                     where nsps_subscriber.last_event_time < excluded.last_event_time""")) {
                upsert.setString(1, subscriber);
                upsert.setTimestamp(2, Timestamp.from(eventTime));
                upsert.setString(3, eventId);
                upsert.executeUpdate();
            } catch (SQLException e) {
                throw new StateStoreException("recording a subscriber's last event", e);
            }
        }

        @Override
        public void close() {
            try (connection) {
                connection.commit();
            } catch (SQLException e) {
                throw new StateStoreException("releasing a subscriber", e);
            }
        }
    }
}
