package io.nsps.connector.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server the state-store tests run against: {@code STATE_TEST_DB_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}), {@code STATE_TEST_DB_USER} (default
 * {@code postgres}), {@code STATE_TEST_DB_PASSWORD} (default none). When none is reachable, the
 * tests that need it are skipped with a message saying what to set: the suite's only skip.
 */
public final class PostgresDatabase {

    public static final String URL = System.getenv().getOrDefault("STATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getenv().getOrDefault("STATE_TEST_DB_USER", "postgres");
    public static final String PASSWORD = System.getenv().getOrDefault("STATE_TEST_DB_PASSWORD", "");

    private PostgresDatabase() {
    }

    /** Skips the calling test unless the server answers. */
    public static void assumeReachable() {
        boolean reachable;
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
            reachable = connection.isValid(2);
        } catch (SQLException e) {
            reachable = false;
        }
        assumeTrue(reachable, "no PostgreSQL at " + URL + " as " + USER
                + ": set STATE_TEST_DB_URL, STATE_TEST_DB_USER and STATE_TEST_DB_PASSWORD to run the postgres state-store tests");
    }

    /** The connector's settings for {@code STATE_STORE=postgres} in {@code schema}. */
    public static java.util.Map<String, String> connectorSettings(String schema) {
        java.util.Map<String, String> settings = new java.util.HashMap<>(java.util.Map.of("STATE_STORE", "postgres", "STATE_DB_URL", URL,
                "STATE_DB_USER", USER, "STATE_DB_SCHEMA", schema));
        if (!PASSWORD.isEmpty()) {
            settings.put("STATE_DB_PASSWORD", TestSecrets.remember(PASSWORD));
        }
        return settings;
    }

    /** A schema name no other test uses. */
    public static String freshSchema() {
        return "nsps_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    public static void dropSchema(String schema) {
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD); Statement statement = connection.createStatement()) {
            statement.execute("drop schema if exists " + schema + " cascade");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test schema " + schema, e);
        }
    }
}
