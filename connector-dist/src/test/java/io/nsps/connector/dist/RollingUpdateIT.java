package io.nsps.connector.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.MissingPrecondition;
import io.nsps.connector.testing.PostgresDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling update on one database: the previous version ({@code previous.release}, built here
 * from this repository's history) creates the schema and serves; this version starts beside it and
 * migrates the schema under it; both then serve the same events. What one processed, the other
 * answers "already processed", in both directions, and per-subscriber order holds across them: an
 * event older than the last one applied to its subscriber, by either instance, is not applied.
 * So old and new instances may share a database for the length of an update, and a rollback needs
 * no schema change (docs/deploy.md, "Upgrades and rollbacks").
 */
final class RollingUpdateIT {

    private static final String PREVIOUS = System.getProperty("previous.release", "");
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final String TOKEN = "rolling-update-token-0123456789";

    @TempDir
    static Path work;
    private static String schema;
    private static Process previous;
    private static ConnectorProcess current;
    private static int previousPort;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startBothVersionsOnOneDatabase() throws Exception {
        PostgresDatabase.assumeReachable();
        Path checkout = work.resolve("previous");
        int worktree = run(REPOSITORY, "git", "worktree", "add", "--detach", checkout.toString(), PREVIOUS);
        if (worktree != 0) {
            String why = "the previous release " + PREVIOUS + " is not in this clone's history (a shallow clone?)";
            MissingPrecondition.skipOrFail(why);
        }
        assertThat(run(checkout, Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-q", "-B", "-DskipTests",
                "package")).as("the previous release builds").isZero();

        schema = PostgresDatabase.freshSchema();
        Map<String, String> settings = new HashMap<>(PostgresDatabase.connectorSettings(schema));
        settings.putAll(Map.of("API_TOKEN", TOKEN, "HANDLERS", "log", "HOST", "127.0.0.1", "HANDLERS_DIR", work.resolve("none").toString()));

        previousPort = FreePort.pick();
        ProcessBuilder old = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                checkout.resolve("connector-impl/target/dist/lib").toString() + "/*", "io.nsps.connector.launcher.Main", "serve")
                .redirectErrorStream(true).redirectOutput(work.resolve("previous.log").toFile());
        old.environment().putAll(settings);
        old.environment().put("PORT", Integer.toString(previousPort));
        previous = old.start();
        awaitHealthy(previousPort);
        // The previous version's schema, before this version ever saw it.
        assertThat(post(previousPort, event("roll-0", "001010000000000", "2026-01-01T00:00:00Z")).statusCode()).isEqualTo(202);

        current = ConnectorProcess.start("serve", settings);
        awaitHealthy(current.port());
    }

    @AfterAll
    static void stopBoth() throws Exception {
        if (previous != null) {
            previous.destroy();
            previous.waitFor(30, TimeUnit.SECONDS);
        }
        if (current != null) {
            current.close();
        }
        if (schema != null) {
            PostgresDatabase.dropSchema(schema);
        }
        if (PREVIOUS.length() > 0) {
            run(REPOSITORY, "git", "worktree", "remove", "--force", work.resolve("previous").toString());
        }
    }

    @Test
    void whatOneVersionProcessedTheOtherAnswersAlreadyProcessed() throws Exception {
        HttpResponse<String> firstOnOld = post(previousPort, event("roll-1", "001010000000001", "2026-01-01T00:00:00Z"));
        HttpResponse<String> retryOnNew = post(current.port(), event("roll-1", "001010000000001", "2026-01-01T00:00:00Z"));
        HttpResponse<String> firstOnNew = post(current.port(), event("roll-2", "001010000000002", "2026-01-01T00:00:00Z"));
        HttpResponse<String> retryOnOld = post(previousPort, event("roll-2", "001010000000002", "2026-01-01T00:00:00Z"));
        HttpResponse<String> beforeTheUpdate = post(current.port(), event("roll-0", "001010000000000", "2026-01-01T00:00:00Z"));

        assertThat(firstOnOld.statusCode()).as(firstOnOld.body()).isEqualTo(202);
        assertThat(firstOnOld.body()).doesNotContain("already processed");
        assertThat(retryOnNew.body()).as("the previous version's event, on this one").contains("Event already processed");
        assertThat(firstOnNew.body()).doesNotContain("already processed");
        assertThat(retryOnOld.body()).as("this version's event, on the previous one").contains("Event already processed");
        assertThat(beforeTheUpdate.body()).as("an event of the schema before the migration").contains("Event already processed");
    }

    @Test
    void perSubscriberOrderHoldsAcrossTheTwoVersions() throws Exception {
        HttpResponse<String> newerOnNew = post(current.port(), event("roll-3", "001010000000003", "2026-01-02T00:00:00Z"));
        HttpResponse<String> olderOnOld = post(previousPort, event("roll-4", "001010000000003", "2026-01-01T00:00:00Z"));
        HttpResponse<String> newerOnOld = post(previousPort, event("roll-5", "001010000000005", "2026-01-02T00:00:00Z"));
        HttpResponse<String> olderOnNew = post(current.port(), event("roll-6", "001010000000005", "2026-01-01T00:00:00Z"));

        assertThat(newerOnNew.statusCode()).isEqualTo(202);
        assertThat(olderOnOld.statusCode()).isEqualTo(202);
        assertThat(olderOnOld.body()).as("older than what this version applied").contains("not applied");
        assertThat(newerOnOld.body()).doesNotContain("not applied");
        assertThat(olderOnNew.body()).as("older than what the previous version applied").contains("not applied");
    }

    private static String event(String id, String imsi, String updatedAt) {
        return "{\"event_id\":\"" + id + "\",\"updated_at\":\"" + updatedAt + "\",\"data\":{\"event_type\":\"SIM/Updated\"},"
                + "\"pb_data\":{\"sim_info\":{\"imsi\":\"" + imsi + "\"}}}";
    }

    private static HttpResponse<String> post(int port, String body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/process-event"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static void awaitHealthy(int port) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static int run(Path cwd, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(command));
        Path log = Files.createTempFile(work, "command-", ".log");
        Process process = new ProcessBuilder(args).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return -1;
        }
        if (process.exitValue() != 0) {
            System.out.println(String.join(" ", args) + " failed:\n" + Files.readString(log));
        }
        return process.exitValue();
    }
}
