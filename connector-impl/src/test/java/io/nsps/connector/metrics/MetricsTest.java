package io.nsps.connector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The metrics as Prometheus scrapes them, from the management port of a real connector: events by
 * type, outcome and status, their processing time, capacity refusals, the worker pool; the label
 * values bounded whatever the sender sends; the port answering while the events port is at capacity.
 */
public final class MetricsTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void everyOutcomeIsCountedByTypeOutcomeAndStatusAndTimed() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "probe", "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            URI management = connector.server().managementUri().orElseThrow();
            Map<String, Integer> expected = Map.of("ok", 202, "invalid", 422, "rate_limit", 503, "upstream_error", 500, "unavailable", 503);
            for (Map.Entry<String, Integer> probe : expected.entrySet()) {
                HttpAnswer answer = connector.postEvent(RunningConnector.probeEvent("metrics-" + probe.getKey(), probe.getKey()));
                assertThat(answer.status()).as(probe.getKey()).isEqualTo(probe.getValue());
            }
            connector.postEvent("{not json");

            String scrape = scrape(management);

            assertThat(value(scrape, "nsps_events_total", "event_type=\"Probe/Test\",outcome=\"processed\",status=\"202\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"Probe/Test\",outcome=\"failed\",status=\"422\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"Probe/Test\",outcome=\"failed\",status=\"500\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"Probe/Test\",outcome=\"failed\",status=\"503\"")).isEqualTo(2);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"unknown\",outcome=\"refused\",status=\"400\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_event_duration_seconds_count", "outcome=\"failed\"")).isEqualTo(4);
            assertThat(value(scrape, "nsps_event_duration_seconds_bucket", "outcome=\"processed\",le=\"30.0\"")).isEqualTo(1);
            assertThat(scrape).contains("nsps_events_in_flight ", "nsps_workers ", "nsps_worker_queue ", "jvm_memory_used_bytes",
                    "process_cpu_usage", "process_uptime_seconds", "# TYPE nsps_worker_reliefs_total counter\n");
            assertThat(scrape).as("health checks are not events").doesNotContain("status=\"200\"");
        }
    }

    @Test
    void countersAnAlertWatchesExistAtZeroBeforeTheirFirstIncrement() throws Exception {
        String secret = TestSecrets.remember("metrics-zero-client-secret-5b1e");
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "hlr-hss,log",
                "HLR_API_URL", "http://127.0.0.1:9/wtl/hlr/v1", "HLR_AUTH", "oauth2", "HLR_OAUTH_TOKEN_URL", "http://127.0.0.1:9/token",
                "HLR_OAUTH_CLIENT_ID", "nsps-connector", "HLR_OAUTH_CLIENT_SECRET", secret,
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            String scrape = scrape(connector.server().managementUri().orElseThrow());

            assertThat(value(scrape, "nsps_state_store_errors_total", null)).isZero();
            for (String reason : ConnectorMetrics.CAPACITY_REASONS) {
                assertThat(value(scrape, "nsps_capacity_refusals_total", "reason=\"" + reason + "\"")).as(reason).isZero();
            }
            for (String result : ConnectorMetrics.RENEWAL_RESULTS) {
                assertThat(value(scrape, "nsps_credential_renewals_total", "handler=\"hlr-hss\",result=\"" + result + "\"")).as(result).isZero();
            }
            for (String statusClass : List.of("2xx", "4xx", "5xx", "none")) {
                assertThat(value(scrape, "nsps_upstream_calls_total", "handler=\"hlr-hss\",status_class=\"" + statusClass + "\""))
                        .as(statusClass).isZero();
            }
            assertThat(scrape).as("log calls no external system and renews nothing").doesNotContain("handler=\"log\"");
        }
    }

    @Test
    void theProcessCpuTimeAndResidentMemoryHavePrometheussStandardNames() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "probe", "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            String scrape = scrape(connector.server().managementUri().orElseThrow());

            assertThat(scrape).contains("# TYPE process_cpu_seconds_total counter");
            assertThat(value(scrape, "process_cpu_seconds_total", null)).isPositive();
            if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
                assertThat(scrape).contains("# TYPE process_resident_memory_bytes gauge");
                assertThat(value(scrape, "process_resident_memory_bytes", null)).isGreaterThan(1 << 20);
            }
        }
    }

    @Test
    void duplicatesStaleEventsAndARateLimitAnswered429AreCounted() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "log,probe", "UPSTREAM_RATE_LIMIT_STATUS", "429",
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            String newer = simEvent("metrics-newer", "2026-01-02T00:00:00Z");
            assertThat(connector.postEvent(newer).status()).isEqualTo(202);
            assertThat(connector.postEvent(newer).status()).isEqualTo(202);
            assertThat(connector.postEvent(simEvent("metrics-older", "2026-01-01T00:00:00Z")).status()).isEqualTo(202);
            assertThat(connector.postEvent(RunningConnector.probeEvent("metrics-429", "rate_limit")).status()).isEqualTo(429);

            String scrape = scrape(connector.server().managementUri().orElseThrow());

            assertThat(value(scrape, "nsps_events_total", "event_type=\"SIM/Updated\",outcome=\"processed\",status=\"202\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"SIM/Updated\",outcome=\"duplicate\",status=\"202\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"SIM/Updated\",outcome=\"stale\",status=\"202\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"Probe/Test\",outcome=\"failed\",status=\"429\"")).isEqualTo(1);
        }
    }

    @Test
    void aRefusedOauth2ClientIsCountedAsARefusedRenewal() throws Exception {
        MockWebServer tokens = new MockWebServer();
        tokens.start();
        try {
            tokens.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
                            .setBody("{\"error\":\"invalid_client\"}");
                }
            });
            String secret = TestSecrets.remember("metrics-refused-client-secret-9c4a");
            try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "hlr-hss",
                    "HLR_API_URL", "http://127.0.0.1:9/wtl/hlr/v1", "HLR_AUTH", "oauth2", "HLR_OAUTH_TOKEN_URL", tokens.url("/token").toString(),
                    "HLR_OAUTH_CLIENT_ID", "nsps-connector", "HLR_OAUTH_CLIENT_SECRET", secret,
                    "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
                assertThat(connector.postEvent(simEvent("metrics-refused", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);

                String scrape = scrape(connector.server().managementUri().orElseThrow());

                assertThat(value(scrape, "nsps_credential_renewals_total", "handler=\"hlr-hss\",result=\"refused\"")).isGreaterThanOrEqualTo(1);
                assertThat(value(scrape, "nsps_credential_renewals_total", "handler=\"hlr-hss\",result=\"ok\"")).isZero();
            }
        } finally {
            tokens.shutdown();
        }
    }

    @Test
    void onPostgresTheConnectionPoolAndStateStoreErrorsAreCounted() throws Exception {
        PostgresDatabase.assumeReachable();
        String schema = PostgresDatabase.freshSchema();
        Map<String, String> settings = new java.util.HashMap<>(PostgresDatabase.connectorSettings(schema));
        settings.putAll(Map.of("HANDLERS", "log", "MANAGEMENT_PORT", Integer.toString(FreePort.pick())));
        try (RunningConnector connector = RunningConnector.start(settings)) {
            assertThat(connector.postEvent(simEvent("metrics-pg-1", "2026-01-01T00:00:00Z")).status()).isEqualTo(202);
            String before = scrape(connector.server().managementUri().orElseThrow());
            // The tables gone under the running connector: every call to the store fails.
            PostgresDatabase.dropSchema(schema);
            assertThat(connector.postEvent(simEvent("metrics-pg-2", "2026-01-01T00:00:00Z")).status()).isEqualTo(503);

            String after = scrape(connector.server().managementUri().orElseThrow());

            assertThat(value(before, "hikaricp_connections_max", "pool=\"nsps-state\"")).isEqualTo(16);
            assertThat(before).contains("hikaricp_connections_active{pool=\"nsps-state\"}", "hikaricp_connections_acquire_seconds_count");
            assertThat(value(before, "nsps_state_store_errors_total", null)).isZero();
            assertThat(value(after, "nsps_state_store_errors_total", null)).isEqualTo(1);
        } finally {
            PostgresDatabase.dropSchema(schema);
        }
    }

    /** A SIM/Updated event of one subscriber, at the given time. */
    private static String simEvent(String id, String updatedAt) {
        return "{\"event_id\":\"" + id + "\",\"updated_at\":\"" + updatedAt + "\",\"data\":{\"event_type\":\"SIM/Updated\"},"
                + "\"pb_data\":{\"sim_info\":{\"imsi\":\"255010000000091\"},\"account_info\":{\"bill_status\":\"open\",\"blocked\":false}}}";
    }

    @Test
    void labelValuesStayBoundedWhateverTypesTheSenderSends() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "log", "LOG_HANDLER_EVENT_TYPES", "*",
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            for (int i = 0; i < 1_000; i++) {
                String type = "Random/" + UUID.randomUUID();
                assertThat(connector.postEvent("{\"event_id\":\"bound-" + i + "\",\"data\":{\"event_type\":\"" + type + "\"}}").status())
                        .isEqualTo(202);
            }

            String scrape = scrape(connector.server().managementUri().orElseThrow());

            Set<String> types = new HashSet<>();
            Matcher series = Pattern.compile("^nsps_events_total\\{event_type=\"([^\"]*)\"", Pattern.MULTILINE).matcher(scrape);
            while (series.find()) {
                types.add(series.group(1));
            }
            assertThat(types).hasSizeLessThanOrEqualTo(ConnectorMetrics.MAX_EVENT_TYPES + 1).contains("other");
            assertThat(value(scrape, "nsps_events_total", "event_type=\"other\",outcome=\"processed\",status=\"202\""))
                    .isEqualTo(1_000 - ConnectorMetrics.MAX_EVENT_TYPES);
        }
    }

    @Test
    void aTypeWithAControlCharacterIsOtherNotARawLabelValue() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "log", "LOG_HANDLER_EVENT_TYPES", "SIM/*",
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            assertThat(connector.postEvent("{\"event_id\":\"escape-1\",\"data\":{\"event_type\":\"SIM/\\u001b[31mRed\"}}").status())
                    .isEqualTo(202);

            String scrape = scrape(connector.server().managementUri().orElseThrow());

            assertThat(scrape).doesNotContain("\u001b");
            assertThat(value(scrape, "nsps_events_total", "event_type=\"other\",outcome=\"processed\",status=\"202\"")).isEqualTo(1);
        }
    }

    @Test
    void aTypeNoEnabledHandlerTakesIsOther() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "log", "LOG_HANDLER_EVENT_TYPES", "SIM/*",
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            connector.postEvent("{\"event_id\":\"untaken-1\",\"data\":{\"event_type\":\"Account/Blocked\"}}");
            connector.postEvent("{\"event_id\":\"taken-1\",\"data\":{\"event_type\":\"SIM/Updated\"}}");

            String scrape = scrape(connector.server().managementUri().orElseThrow());

            assertThat(value(scrape, "nsps_events_total", "event_type=\"other\",outcome=\"ignored\",status=\"202\"")).isEqualTo(1);
            assertThat(value(scrape, "nsps_events_total", "event_type=\"SIM/Updated\",outcome=\"processed\",status=\"202\"")).isEqualTo(1);
            assertThat(scrape).doesNotContain("Account/Blocked");
        }
    }

    @Test
    void theManagementPortAnswersWhileTheEventsPortIsAtCapacity() throws Exception {
        String gate = "metrics-capacity";
        ProbeHandlerFactory.Gate blocked = ProbeHandlerFactory.gate(gate, 2);
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "probe", "WORKER_THREADS", "4",
                "MAX_CONCURRENT_EVENTS", "2", "RUNNING_WORKERS", "4", "MANAGEMENT_PORT", Integer.toString(FreePort.pick())))) {
            List<CompletableFuture<HttpAnswer>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String id = "held-" + i;
                held.add(CompletableFuture.supplyAsync(() -> connector.postEvent(RunningConnector.probeEvent(id, "block:" + gate)), senders));
            }
            blocked.awaitEntered();
            HttpAnswer refused = connector.postEvent(RunningConnector.probeEvent("refused-1", "ok"));

            HttpResponse<String> metrics = CLIENT.send(HttpRequest.newBuilder(connector.server().managementUri().orElseThrow()
                    .resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(connector.server().managementUri().orElseThrow()
                    .resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.status()).isEqualTo(503);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(value(metrics.body(), "nsps_capacity_refusals_total", "reason=\"events\"")).isEqualTo(1);
            assertThat(value(metrics.body(), "nsps_events_in_flight", null)).isEqualTo(2);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"");
            blocked.open().countDown();
            for (CompletableFuture<HttpAnswer> answer : held) {
                assertThat(answer.get().status()).isEqualTo(202);
            }
        } finally {
            blocked.open().countDown();
            senders.shutdownNow();
        }
    }

    /** The value of one series: {@code labels} exactly as written between the braces, or null for none. */
    public static double value(String scrape, String name, String labels) {
        String series = labels == null ? name : name + "{" + labels + "}";
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no series " + series + " in:\n" + scrape);
    }

    public static String scrape(URI management) throws IOException, InterruptedException {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(management.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return response.body();
    }
}
