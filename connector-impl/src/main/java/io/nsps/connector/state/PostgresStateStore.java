package io.nsps.connector.state;

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
import java.time.Duration;
import java.time.Instant;
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
    public Claim claim(String eventId, String eventType, String subscriber, String owner, Instant leaseUntil) {
        String take = """
                insert into nsps_event (event_id, event_type, subscriber, state, owner, lease_until)
                values (?, ?, ?, 'in_flight', ?, ?)
                on conflict (event_id) do update
                   set state = 'in_flight', owner = excluded.owner, lease_until = excluded.lease_until,
                       received_at = now(), finished_at = null
                 where nsps_event.state = 'failed'
                    or (nsps_event.state = 'in_flight' and nsps_event.lease_until < now())
                returning event_id""";
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(take)) {
            statement.setString(1, eventId);
            statement.setString(2, eventType);
            statement.setString(3, subscriber);
            statement.setString(4, owner);
            statement.setTimestamp(5, Timestamp.from(leaseUntil));
            try (ResultSet taken = statement.executeQuery()) {
                if (taken.next()) {
                    return new Claim.Claimed();
                }
            }
            return finishedRow(connection, eventId)
                    .<Claim>map(row -> row.record().done() ? new Claim.AlreadyDone(row.record(), row.fingerprint()) : new Claim.InFlight())
                    .orElseGet(Claim.InFlight::new);
        } catch (SQLException e) {
            throw new StateStoreException("claiming an event", e);
        }
    }

    @Override
    public Optional<EventRecord> finished(String eventId) {
        try (Connection connection = pool.getConnection()) {
            return finished(connection, eventId);
        } catch (SQLException e) {
            throw new StateStoreException("reading an event", e);
        }
    }

    private static Optional<EventRecord> finished(Connection connection, String eventId) throws SQLException {
        return finishedRow(connection, eventId).map(FinishedRow::record);
    }

    private record FinishedRow(EventRecord record, EventFingerprint fingerprint) {
    }

    private static Optional<FinishedRow> finishedRow(Connection connection, String eventId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                select status, outcome, error_type, message, error, headers, data_hash, event_time
                  from nsps_event where event_id = ? and state <> 'in_flight'""")) {
            statement.setString(1, eventId);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                EventRecord record = new EventRecord(row.getInt(1), row.getString(2), row.getString(3), row.getString(4),
                        row.getString(5), headers(row.getString(6)));
                int dataHash = row.getInt(7);
                EventFingerprint fingerprint = row.wasNull() ? null : new EventFingerprint(dataHash,
                        row.getTimestamp(8) == null ? null : row.getTimestamp(8).toInstant());
                return Optional.of(new FinishedRow(record, fingerprint));
            }
        }
    }

    @Override
    public void finish(String eventId, String eventType, String subscriber, String owner, Instant receivedAt, EventRecord record,
                       EventFingerprint fingerprint) {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement update = connection.prepareStatement("""
                    update nsps_event set state = ?, finished_at = now(), lease_until = null, status = ?, outcome = ?,
                           error_type = ?, message = ?, error = ?, headers = ?, data_hash = ?, event_time = ?
                     where event_id = ? and owner = ?""");
                 PreparedStatement journal = connection.prepareStatement("""
                    insert into nsps_event_journal (event_id, event_type, subscriber, instance, received_at, finished_at, outcome, status, error)
                    values (?, ?, ?, ?, ?, now(), ?, ?, ?)""")) {
                update.setString(1, record.done() ? "done" : "failed");
                update.setInt(2, record.status());
                update.setString(3, record.outcome());
                update.setString(4, record.type());
                update.setString(5, record.message());
                update.setString(6, record.error());
                update.setString(7, JSON.writeValueAsString(record.headers()));
                update.setInt(8, fingerprint.dataHash());
                update.setTimestamp(9, fingerprint.eventTime() == null ? null : Timestamp.from(fingerprint.eventTime()));
                update.setString(10, eventId);
                update.setString(11, owner);
                update.executeUpdate();
                journal.setString(1, eventId);
                journal.setString(2, eventType);
                journal.setString(3, subscriber);
                journal.setString(4, owner);
                journal.setTimestamp(5, Timestamp.from(receivedAt));
                journal.setString(6, record.outcome());
                journal.setInt(7, record.status());
                journal.setString(8, record.error());
                journal.executeUpdate();
                connection.commit();
            } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StateStoreException("finishing an event", e);
        }
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
