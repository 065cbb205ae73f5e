package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.metrics.MetricsTest;
import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The journal and the operator's replay, on both state stores: the {@code journal} and
 * {@code replay} commands run as processes against a running connector's management port, as an
 * operator runs them, with the hlr-hss handler against a real HTTP server standing for the HLR.
 */
final class JournalAndReplayTest {

    private static final String MAIN = "io.nsps.connector.launcher.Main";
    private static final String OK = "{\"result\":true}";
    private static final String MANAGEMENT_TOKEN = TestSecrets.remember("management-token-5e1f0c2a9b");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MockWebServer hlr = new MockWebServer();
    private RunningConnector connector;
    private String schema;

    @BeforeEach
    void startHlr() throws Exception {
        hlr.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (connector != null) {
            connector.close();
        }
        hlr.shutdown();
        if (schema != null) {
            PostgresDatabase.dropSchema(schema);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void theJournalListsEveryDeliveryWithItsUpstreamCalls(String store) throws Exception {
        start(store);
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(500, "{\"error\":\"HLR database locked\"}"));
        assertThat(connector.postEvent(event("journal-ok", "255010000000001", "2026-01-01T00:00:00Z")).status()).isEqualTo(202);
        assertThat(connector.postEvent(event("journal-failed", "255010000000002", "2026-01-01T00:00:00Z")).status()).isEqualTo(500);

        Run table = command("journal");
        Run failed = command("journal", "--failed", "--json");

        assertThat(table.exit).as(table.text()).isZero();
        assertThat(table.text()).contains("journal-ok", "journal-failed", "processed", "upstream_failed", "2 entries");
        assertThat(failed.output).hasSize(1);
        JsonNode entry = JSON.readTree(failed.output.get(0));
        assertThat(entry.path("event_id").asText()).isEqualTo("journal-failed");
        assertThat(entry.path("status").asInt()).isEqualTo(500);
        assertThat(entry.path("subscriber").asText()).isEqualTo("imsi:255010000000002");
        assertThat(entry.path("upstream_calls").get(0).path("handler").asText()).isEqualTo("hlr-hss");
        assertThat(entry.path("upstream_calls").get(0).path("status").asInt()).isEqualTo(500);
        assertThat(entry.path("upstream_calls").get(0).path("action").asText()).isEqualTo("update IMSI 255010000000002");
        assertThat(entry.path("body_kept").asBoolean()).isTrue();
        assertThat(entry.path("failure").asText()).isEqualTo("upstream_failed");
        assertThat(entry.path("error").asText()).contains("HLR database locked");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void aReplayOfAnEventThatFailedUpstreamProvisionsItOnceTheHlrIsBack(String store) throws Exception {
        start(store);
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        String event = event("replay-1", "255010000000011", "2026-01-01T00:00:00Z");
        assertThat(connector.postEvent(event).status()).isEqualTo(503);
        hlr.enqueue(json(200, OK));

        Run dryRun = command("replay", "--failed", "--since", "1h", "--dry-run");
        assertThat(hlr.getRequestCount()).as("a dry run runs nothing").isEqualTo(1);
        Run replay = command("replay", "replay-1");
        HttpAnswer retriedByNsps = connector.postEvent(event);
        Run journal = command("journal", "--event-id", "replay-1", "--json");

        assertThat(dryRun.text()).contains("replay-1: dry run: Would be replayed: its handlers run again (nothing applied to "
                + "imsi:255010000000011 yet)", "1 event would be replayed");
        assertThat(dryRun.exit).isZero();
        assertThat(replay.exit).as(replay.text()).isZero();
        assertThat(replay.text()).contains("1 applied");
        assertThat(MetricsTest.value(MetricsTest.scrape(connector.server().managementUri().orElseThrow()), "nsps_replays_total",
                "outcome=\"processed\"")).as("the replay counted as one").isEqualTo(1);
        assertThat(replay.text()).contains("replay-1: processed 202: HLR: update SIM 255010000000011");
        assertThat(retriedByNsps.json().path("message").asText()).startsWith("Event already processed");
        assertThat(hlr.getRequestCount()).as("the failed call, then the replay's; the retry after it provisions nothing").isEqualTo(2);
        List<JsonNode> entries = new ArrayList<>();
        for (String line : journal.output) {
            entries.add(JSON.readTree(line));
        }
        // The retry after the replay was answered from the store: nothing ran, nothing journaled.
        assertThat(entries).extracting(e -> e.path("outcome").asText() + " " + e.path("failure").asText("-") + " " + e.path("replay").asBoolean())
                .containsExactly("processed - true", "failed upstream_unavailable false");
        assertThat(entries).as("the replay keeps no body of its own: the delivery's is the one kept, and ages from it")
                .extracting(e -> e.path("body_kept").asBoolean()).containsExactly(false, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void anEventThatFailedAndThenSucceededOnNspssRetryIsNotFailedAnyMore(String store) throws Exception {
        start(store);
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(500, "{\"error\":\"locked\"}"));
        String recovered = event("recovered-1", "255010000000031", "2026-01-01T00:00:00Z");
        assertThat(connector.postEvent(recovered).status()).isEqualTo(503);
        assertThat(connector.postEvent(recovered).status()).isEqualTo(202);
        assertThat(connector.postEvent(event("still-failed-1", "255010000000032", "2026-01-01T00:00:00Z")).status()).isEqualTo(500);

        Run failed = command("journal", "--failed", "--json");
        Run replay = command("replay", "--failed", "--dry-run");

        assertThat(failed.output).as(failed.text()).hasSize(1).allSatisfy(line -> assertThat(line).contains("still-failed-1"));
        assertThat(replay.text()).contains("still-failed-1").doesNotContain("recovered-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void bodiesAreDroppedSoonAfterTheirRetention(String store) throws Exception {
        start(store, Map.of("JOURNAL_BODY_RETENTION", "2s"));
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        assertThat(connector.postEvent(event("retained-1", "255010000000041", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);
        assertThat(journalEntry("retained-1").path("body_kept").asBoolean()).isTrue();

        // Purged every half retention, at least every 5 s: well within the deadline, however slow the machine.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> !journalEntry("retained-1").path("body_kept").asBoolean());
        Run replay = command("replay", "retained-1");

        assertThat(replay.exit).isEqualTo(1);
        assertThat(replay.text()).contains("No body is kept for this event (older than JOURNAL_BODY_RETENTION)");
    }

    @Test
    void withNoBodiesKeptAReplaySaysSoRatherThanThatTheBodyIsTooOld() throws Exception {
        start("memory", Map.of("JOURNAL_BODY_RETENTION", "0"));
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        assertThat(connector.postEvent(event("unkept-1", "255010000000042", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);

        Run replay = command("replay", "unkept-1");

        assertThat(replay.exit).isEqualTo(1);
        assertThat(replay.text()).contains("No body is kept for this event (JOURNAL_BODY_RETENTION=0 keeps none)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void aSimReplacementIsInTheJournalOfBothSims(String store) throws Exception {
        start(store);
        for (int call = 0; call < 4; call++) {
            hlr.enqueue(json(200, OK));
        }
        String replacement = "{\"event_id\":\"replaced-1\",\"updated_at\":\"2026-01-01T00:00:00Z\",\"data\":{\"event_type\":\"SIM/Replaced\"},"
                + "\"pb_data\":{\"sim_info\":{\"imsi\":\"255010000000082\"},\"prev_sim_info\":{\"imsi\":\"255010000000081\"},"
                + "\"account_info\":{\"bill_status\":\"open\",\"blocked\":false}}}";
        assertThat(connector.postEvent(replacement).status()).isEqualTo(202);

        Run ofThePrevious = command("journal", "--subscriber", "imsi:255010000000081");
        Run ofTheNew = command("journal", "--subscriber", "imsi:255010000000082", "--json");

        assertThat(ofThePrevious.text()).as(ofThePrevious.text()).contains("replaced-1", "imsi:255010000000082 (was imsi:255010000000081)",
                "1 entry");
        assertThat(ofTheNew.output).as(ofTheNew.text()).singleElement().satisfies(line -> {
            JsonNode entry = JSON.readTree(line);
            assertThat(entry.path("subscriber").asText()).isEqualTo("imsi:255010000000082");
            assertThat(entry.path("previous_subscriber").asText()).isEqualTo("imsi:255010000000081");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void aReplayOfAStaleEventIsRefusedUnlessForced(String store) throws Exception {
        start(store);
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(200, OK));
        assertThat(connector.postEvent(event("older", "255010000000021", "2026-01-01T00:00:00Z")).status()).isEqualTo(202);
        assertThat(connector.postEvent(event("newer", "255010000000021", "2026-01-02T00:00:00Z")).status()).isEqualTo(202);

        Run dryRun = command("replay", "older", "--dry-run");
        Run dryRunForced = command("replay", "older", "--dry-run", "--force");
        Run refused = command("replay", "older");
        int callsAfterRefusal = hlr.getRequestCount();
        hlr.enqueue(json(200, OK));
        Run forced = command("replay", "older", "--force");

        assertThat(dryRun.exit).isEqualTo(1);
        assertThat(dryRun.text()).contains("older: dry run: Would be refused as stale unless --force: older than the last event applied to "
                + "imsi:255010000000021 (2026-01-02T00:00:00Z)", "0 events would be replayed, 1 would be refused as stale");
        assertThat(dryRunForced.exit).as(dryRunForced.text()).isZero();
        assertThat(dryRunForced.text()).contains("Would be replayed with --force, although older", "1 event would be replayed");

        assertThat(refused.exit).isEqualTo(1);
        assertThat(refused.text()).contains("older: stale 202").contains("not applied");
        assertThat(refused.output).as("the count says what the line says").last().isEqualTo("0 applied, 1 stale (not applied)");
        assertThat(callsAfterRefusal).as("nothing sent to the HLR for a stale replay").isEqualTo(2);
        assertThat(forced.exit).as(forced.text()).isZero();
        assertThat(forced.text()).contains("older: processed 202");
        assertThat(forced.output).last().isEqualTo("1 applied");
        assertThat(hlr.getRequestCount()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void anEventRefusedForBreakingTheSchemaIsJournaledAndCountedUnderItsType(String store) throws Exception {
        start(store);
        String broken = "{\"event_id\":\"schema-1\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":\"a string\"}}";
        assertThat(connector.postEvent(broken).status()).isEqualTo(422);
        assertThat(connector.postEvent("{not json").status()).as("not JSON at all: not journaled").isEqualTo(400);

        Run failed = command("journal", "--failed", "--json");
        String scrape = MetricsTest.scrape(connector.server().managementUri().orElseThrow());

        assertThat(failed.output).as(failed.text()).hasSize(1);
        JsonNode entry = JSON.readTree(failed.output.get(0));
        assertThat(entry.path("event_id").asText()).isEqualTo("schema-1");
        assertThat(entry.path("event_type").asText()).isEqualTo("SIM/Updated");
        assertThat(entry.path("status").asInt()).isEqualTo(422);
        assertThat(entry.path("failure").asText()).isEqualTo("invalid_event");
        assertThat(entry.path("error").asText()).contains("data.variables");
        assertThat(entry.path("body_kept").asBoolean()).isFalse();
        assertThat(MetricsTest.value(scrape, "nsps_events_total", "event_type=\"SIM/Updated\",outcome=\"failed\",status=\"422\"")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void aReplayOfAnUnknownEventSaysItWasNotFoundAndMixingTheModesIsAUsageError(String store) throws Exception {
        start(store);

        Run unknown = command("replay", "nonexistent-id");
        Run mixed = command("replay", "some-id", "--failed");
        Run sinceAlone = command("replay", "some-id", "--since", "1h");

        assertThat(unknown.exit).isEqualTo(1);
        assertThat(unknown.text()).contains("nonexistent-id: not found: Not in the journal", "0 applied, 1 not found")
                .doesNotContain("1 applied");
        assertThat(mixed.exit).isEqualTo(2);
        assertThat(mixed.text()).contains("Give EVENT_IDs or --failed, not both", "Usage: nsps-connector replay");
        assertThat(sinceAlone.exit).isEqualTo(2);
        assertThat(sinceAlone.text()).contains("--since goes with --failed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void theJournalsTableIsAligned(String store) throws Exception {
        start(store);
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(500, "{\"error\":\"HLR database locked\"}"));
        connector.postEvent(event("a-rather-long-event-id-0123456789-0123456789", "255010000000051", "2026-01-01T00:00:00Z"));
        connector.postEvent(event("short", "255010000000052", "2026-01-01T00:00:00Z"));

        Run table = command("journal");

        assertThat(table.exit).as(table.text()).isZero();
        List<String> lines = table.output.subList(0, 3);
        String header = lines.get(0);
        for (String column : List.of("EVENT", "TYPE", "SUBSCRIBER", "OUTCOME", "MESSAGE")) {
            int at = header.indexOf(column);
            for (String line : lines.subList(1, 3)) {
                assertThat(line.charAt(at - 1)).as("%s starts at %d in%n%s%n%s", column, at, header, line).isEqualTo(' ');
                assertThat(line.charAt(at)).as("%s starts at %d in%n%s%n%s", column, at, header, line).isNotEqualTo(' ');
            }
        }
        assertThat(lines.subList(1, 3)).allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} .*"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal", "replay some-id", "send"})
    void withNothingListeningTheCommandsSaySoInWords(String command) throws Exception {
        int closed = FreePort.pick();
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--url", "http://127.0.0.1:" + closed + (command.equals("send") ? "/process-event" : ""),
                "--token", "a-token-long-enough-0123456789"));

        Run run = run(args, Map.of());

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.text()).contains("no answer from http://127.0.0.1:" + closed, "connection refused")
                .doesNotContain("null", "Exception", "java.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void theManagementOperationsWantTheManagementToken(String store) throws Exception {
        start(store);

        Run wrong = command("journal", "--token", "not-the-management-token-0");
        Map<String, String> env = new HashMap<>(Map.of("MANAGEMENT_PORT", Integer.toString(connector.server().managementUri().orElseThrow().getPort())));
        Run none = run(List.of("journal"), env);

        assertThat(wrong.exit).isEqualTo(1);
        assertThat(wrong.text()).contains("401");
        assertThat(none.exit).isEqualTo(2);
        assertThat(none.text()).contains("no management token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void replayFailedSelectsOnlyWhatAReplayCanHelpAndExitsZeroWhenItDid(String store) throws Exception {
        start(store);
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        hlr.enqueue(json(422, "{\"error\":\"IMSI range not provisioned\"}"));
        assertThat(connector.postEvent(event("retryable-1", "255010000000061", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);
        assertThat(connector.postEvent(event("hlr-refused-1", "255010000000062", "2026-01-01T00:00:00Z")).status()).isEqualTo(422);
        assertThat(connector.postEvent("{\"event_id\":\"schema-2\",\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":\"a string\"}}")
                .status()).isEqualTo(422);
        assertThat(connector.postEvent("{\"data\":{\"event_type\":\"SIM/Updated\",\"variables\":\"a string\"}}").status())
                .as("no event id at all").isEqualTo(422);

        Run dryRun = command("replay", "--failed", "--since", "2h", "--dry-run");
        hlr.enqueue(json(200, OK));
        Run replay = command("replay", "--failed", "--since", "2h");
        Run again = command("replay", "--failed", "--since", "2h");
        Run refusedForGood = command("replay", "schema-2");

        assertThat(dryRun.exit).as(dryRun.text()).isZero();
        assertThat(dryRun.output).as(dryRun.text()).containsExactly(
                "retryable-1: dry run: Would be replayed: its handlers run again (nothing applied to imsi:255010000000061 yet)",
                "1 event would be replayed");
        assertThat(replay.exit).as(replay.text()).isZero();
        assertThat(replay.output).as(replay.text()).containsExactly("retryable-1: processed 202: HLR: update SIM 255010000000061", "1 applied");
        assertThat(again.exit).as("nothing left that a replay can help: " + again.text()).isZero();
        assertThat(again.output).containsExactly("No event in the last 2h failed in a way a replay can help, with its body still kept"
                + " (journal --failed lists every failure; see --help)", "0 applied");
        assertThat(hlr.getRequestCount()).as("the two deliveries and the one replay").isEqualTo(3);
        assertThat(refusedForGood.exit).isEqualTo(1);
        assertThat(refusedForGood.text()).contains("schema-2: not replayed: Refused for good (422: ", "data.variables",
                "no body is kept for it: it cannot succeed as sent", "0 applied, 1 not replayed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "postgres"})
    void replayFailedRunsOneSubscribersEventsOldestFirstAndAStaleOneSupersededSinceIsNotAFailure(String store) throws Exception {
        start(store);
        String maintenance = "{\"error\":\"maintenance\"}";
        // Subscriber ...71: the newer event reaches the connector first, then NSPS's older one; both fail.
        hlr.enqueue(json(503, maintenance));
        hlr.enqueue(json(503, maintenance));
        assertThat(connector.postEvent(event("newer-71", "255010000000071", "2026-01-02T00:00:00Z")).status()).isEqualTo(503);
        assertThat(connector.postEvent(event("older-71", "255010000000071", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);
        // Subscriber ...72: an event fails, then a newer one is applied before anyone replays the first.
        hlr.enqueue(json(503, maintenance));
        hlr.enqueue(json(200, OK));
        assertThat(connector.postEvent(event("older-72", "255010000000072", "2025-12-31T00:00:00Z")).status()).isEqualTo(503);
        assertThat(connector.postEvent(event("newer-72", "255010000000072", "2026-01-02T00:00:00Z")).status()).isEqualTo(202);
        // Subscriber ...73: in order, both fail.
        hlr.enqueue(json(503, maintenance));
        hlr.enqueue(json(503, maintenance));
        assertThat(connector.postEvent(event("older-73", "255010000000073", "2026-01-03T00:00:00Z")).status()).isEqualTo(503);
        assertThat(connector.postEvent(event("newer-73", "255010000000073", "2026-01-04T00:00:00Z")).status()).isEqualTo(503);

        Run dryRun = command("replay", "--failed", "--dry-run");
        for (int replayed = 0; replayed < 4; replayed++) {
            hlr.enqueue(json(200, OK));
        }
        Run replay = command("replay", "--failed");
        Run olderAfterwards = command("replay", "older-71", "--dry-run");

        // By each event's own time, whatever order they were received in.
        assertThat(dryRun.output).as(dryRun.text()).containsExactly(
                "older-72: dry run: Would be refused as stale unless --force: older than the last event applied to imsi:255010000000072"
                        + " (2026-01-02T00:00:00Z)",
                "older-71: dry run: Would be replayed: its handlers run again (nothing applied to imsi:255010000000071 yet)",
                "newer-71: dry run: Would be replayed: its handlers run again (nothing applied to imsi:255010000000071 yet)",
                "older-73: dry run: Would be replayed: its handlers run again (nothing applied to imsi:255010000000073 yet)",
                "newer-73: dry run: Would be replayed: its handlers run again (nothing applied to imsi:255010000000073 yet)",
                "4 events would be replayed, 1 would be refused as stale");
        assertThat(dryRun.exit).as("a stale event --failed selects was superseded: nothing for the operator to do").isZero();
        assertThat(replay.output).as(replay.text()).hasSize(6);
        assertThat(replay.output.get(0)).startsWith("older-72: stale 202: ");
        assertThat(replay.output.subList(1, 6)).containsExactly("older-71: processed 202: HLR: update SIM 255010000000071",
                "newer-71: processed 202: HLR: update SIM 255010000000071", "older-73: processed 202: HLR: update SIM 255010000000073",
                "newer-73: processed 202: HLR: update SIM 255010000000073", "4 applied, 1 stale (not applied)");
        assertThat(replay.exit).as(replay.text()).isZero();
        assertThat(hlr.getRequestCount()).as("six deliveries, then the replays of the four events of ...71 and ...73").isEqualTo(10);
        assertThat(olderAfterwards.text()).as("the newer event was the last applied").contains("older-71: dry run: Would be refused as stale");
        assertThat(olderAfterwards.exit).as("asked for by id, a stale event is one the operator has to force").isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void aReplayThatFailsAgainIsCountedAsFailedNotAsApplied(String store) throws Exception {
        start(store);
        hlr.enqueue(json(500, "{\"error\":\"HLR database locked\"}"));
        assertThat(connector.postEvent(event("fails-again-1", "255010000000071", "2026-01-01T00:00:00Z")).status()).isEqualTo(500);
        hlr.enqueue(json(422, "{\"error\":\"IMSI range not provisioned\"}"));

        Run replay = command("replay", "fails-again-1", "nonexistent-id");

        assertThat(replay.exit).isEqualTo(1);
        assertThat(replay.output).as(replay.text()).hasSize(3);
        assertThat(replay.output.get(0)).startsWith("fails-again-1: failed 422: ");
        assertThat(replay.output.get(2)).isEqualTo("0 applied, 1 failed, 1 not found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void aReplayedEventsLogLinesCarryTheKeysALiveEventsCarryWithARequestIdOfItsOwn(String store) throws Exception {
        // The log handler takes Account/* only: SIM/Updated is hlr-hss's alone.
        start(store, Map.of("HANDLERS", "hlr-hss,log", "LOG_HANDLER_EVENT_TYPES", "Account/*"));
        hlr.enqueue(json(503, "{\"error\":\"maintenance\"}"));
        assertThat(connector.postEvent(event("traced-1", "255010000000081", "2026-01-01T00:00:00Z"), "x-b3-traceid", "nsps-trace-81")
                .status()).isEqualTo(503);
        hlr.enqueue(json(200, OK));

        Run replay = command("replay", "traced-1");

        assertThat(replay.exit).as(replay.text()).isZero();
        JsonNode live = hlrLine("HTTP 503");
        JsonNode replayed = hlrLine("HTTP 200");
        assertThat(live.path("request_id").asText()).isEqualTo("nsps-trace-81");
        assertThat(mdcKeys(replayed)).as("the replay's HLR line: %s", replayed).containsAll(mdcKeys(live));
        assertThat(replayed.path("event_id").asText()).isEqualTo("traced-1");
        assertThat(replayed.path("event_type").asText()).isEqualTo("SIM/Updated");
        assertThat(replayed.path("handler").asText()).isEqualTo("hlr-hss");
        assertThat(replayed.path("request_id").asText()).isNotEmpty().isNotEqualTo("nsps-trace-81");
        assertThat(replayed.path("unique_id").asText()).isNotEmpty().isNotEqualTo(live.path("unique_id").asText());
        JsonNode replayedLine = io.nsps.connector.testing.LogCapture.json().stream()
                .filter(line -> line.path("message").asText().startsWith("Replayed event traced-1")).reduce((a, b) -> b).orElseThrow();
        assertThat(replayedLine.path("request_id").asText()).isEqualTo(replayed.path("request_id").asText());
        assertThat(replayedLine.path("unique_id").asText()).isEqualTo(replayed.path("unique_id").asText());
        assertThat(replayedLine.path("event_id").asText()).isEqualTo("traced-1");
        assertThat(replayedLine.path("handler").asText()).isEqualTo("hlr-hss");
        assertThat(replayedLine.path("outcome").asText()).isEqualTo("processed");
    }

    /** The last HLR call's line for IMSI 255010000000081 whose message holds {@code status}. */
    private static JsonNode hlrLine(String status) {
        return io.nsps.connector.testing.LogCapture.json().stream()
                .filter(line -> line.path("message").asText().contains("IMSI 255010000000081") && line.path("message").asText().contains(status))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no HLR line with " + status));
    }

    /** The keys a line carries beside its message's own: those the MDC gives. */
    private static java.util.Set<String> mdcKeys(JsonNode line) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        line.fieldNames().forEachRemaining(keys::add);
        keys.retainAll(java.util.Set.of("request_id", "unique_id", "event_id", "event_type", "handler"));
        return keys;
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal", "replay --failed", "send"})
    void aUrlThatIsNotHttpIsAUsageErrorNamingTheOption(String command) throws Exception {
        for (String url : List.of("localhost:18081", "ftp://127.0.0.1:18081/", "http://127.0.0.1:18080/a b")) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.addAll(List.of("--url", url, "--token", "a-token-long-enough-0123456789"));

            Run run = run(args, Map.of());

            assertThat(run.exit).as(run.text()).isEqualTo(2);
            assertThat(run.output.get(0)).startsWith("Invalid value for option '--url': '" + url + "' is not")
                    .contains("http:// or https:// URL");
            assertThat(run.text()).doesNotContain("Exception", "\tat ", "java.");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal --since bogus|--since", "journal --limit 0|--limit", "journal --limit many|--limit",
            "journal --subscriber foo|--subscriber", "journal --subscriber imsi:|--subscriber", "replay --failed --since 2x|--since"})
    void journalAndReplayOptionsAreCheckedBeforeAnyConnectorIsAsked(String commandAndOption) throws Exception {
        String[] parts = commandAndOption.split("\\|");
        int closed = FreePort.pick();
        List<String> args = new ArrayList<>(List.of(parts[0].split(" ")));
        args.addAll(List.of("--url", "http://127.0.0.1:" + closed, "--token", "a-token-long-enough-0123456789"));

        Run run = run(args, Map.of());

        assertThat(run.exit).as(run.text()).isEqualTo(2);
        assertThat(run.output.get(0)).startsWith("Invalid value for option '" + parts[1] + "': ");
        assertThat(run.text()).doesNotContain("connection refused", "Exception");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void theManagementPortRefusesAMalformedSubscriberNamingIt(String store) throws Exception {
        start(store);

        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(connector.server().managementUri().orElseThrow()
                .resolve("/journal?subscriber=foo")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(answer.body()).path("error").asText()).startsWith("subscriber: 'foo' is not a subscriber");
    }

    /** The newest journal entry of an event, straight from the management port. */
    private JsonNode journalEntry(String eventId) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(connector.server().managementUri().orElseThrow()
                .resolve("/journal?event_id=" + eventId + "&limit=1")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).get(0);
    }

    private void start(String store) throws Exception {
        start(store, Map.of());
    }

    private void start(String store, Map<String, String> more) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("HANDLERS", "hlr-hss", "HLR_API_URL", hlr.url("/wtl/hlr/v1").toString(),
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick()), "MANAGEMENT_TOKEN", MANAGEMENT_TOKEN));
        settings.putAll(more);
        if (store.equals("postgres")) {
            PostgresDatabase.assumeReachable();
            schema = PostgresDatabase.freshSchema();
            settings.putAll(PostgresDatabase.connectorSettings(schema));
        }
        connector = RunningConnector.start(settings);
    }

    private static String event(String id, String imsi, String updatedAt) {
        return "{\"event_id\":\"" + id + "\",\"updated_at\":\"" + updatedAt + "\",\"data\":{\"event_type\":\"SIM/Updated\"},"
                + "\"pb_data\":{\"sim_info\":{\"imsi\":\"" + imsi + "\"},\"account_info\":{\"bill_status\":\"open\",\"blocked\":false}}}";
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }

    private record Run(int exit, List<String> output) {
        String text() {
            return String.join("\n", output);
        }
    }

    /** A command against this test's connector, with its management URL and token. */
    private Run command(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", connector.server().managementUri().orElseThrow().toString()));
        Map<String, String> env = new HashMap<>();
        if (!all.contains("--token")) {
            env.put("MANAGEMENT_TOKEN", MANAGEMENT_TOKEN);
        }
        return run(all, env);
    }

    private static Run run(List<String> args, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("LOG_FORMAT", "text"));
        all.putAll(env);
        try (ConnectorProcess process = ConnectorProcess.startMain(MAIN, args, all)) {
            Integer exit = process.awaitExit(60);
            assertThat(exit).as("%s finished", args).isNotNull();
            return new Run(exit, process.output());
        }
    }
}
