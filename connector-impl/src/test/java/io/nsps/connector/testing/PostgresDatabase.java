package io.nsps.connector.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server the state-store tests run against: {@code STATE_TEST_DB_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}), {@code STATE_TEST_DB_USER} (default
 * {@code postgres}), {@code STATE_TEST_DB_PASSWORD} (default none). When none is reachable, the
 * tests that need it are skipped, and one line on the console says what to set: the suite's only
 * skip. Under CI ({@code CI=true}) an unreachable server fails those tests instead, so that CI never
 * loses them silently.
 */
public final class PostgresDatabase {

    public static final String URL = System.getenv().getOrDefault("STATE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getenv().getOrDefault("STATE_TEST_DB_USER", "postgres");
    public static final String PASSWORD = System.getenv().getOrDefault("STATE_TEST_DB_PASSWORD", "");

    private PostgresDatabase() {
    }

    private static Boolean reachable;

    /** Skips the calling test unless the server answers (fails it under CI). */
    public static synchronized void assumeReachable() {
        if (reachable == null) {
            reachable = answers();
            if (!reachable) {
                console("PostgreSQL state-store tests " + (MissingPrecondition.underCi() ? "FAIL (CI=true)" : "skipped") + ": "
                        + WHY_NOT);
            }
        }
        if (!reachable) {
            MissingPrecondition.skipOrFail(WHY_NOT);
        }
    }

    private static final String WHY_NOT = "no PostgreSQL at " + URL + " as " + USER
            + "; set STATE_TEST_DB_URL (and STATE_TEST_DB_USER, STATE_TEST_DB_PASSWORD) to run the postgres state-store tests";

    private static boolean answers() {
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** One line on the build's console: the test JVM's own output goes to the reports (redirectTestOutputToFile). */
    private static void console(String line) {
        try {
            java.io.FileOutputStream err = new java.io.FileOutputStream(java.io.FileDescriptor.err);
            err.write(("[WARNING] " + line + System.lineSeparator()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            err.flush();
        } catch (java.io.IOException e) {
            // the skip itself is reported anyway
        }
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
