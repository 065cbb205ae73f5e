package io.nsps.connector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.MissingPrecondition;
import io.nsps.connector.testing.RunningConnector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring, checked with Prometheus's own tool: the alert rules load ({@code promtool
 * check rules}) and fire as their unit tests say ({@code promtool test rules alerts.test.yaml}); a
 * scrape of a running connector passes {@code promtool check metrics}; and every metric the Grafana
 * dashboard and the rules query exists in that scrape. promtool comes from Debian's
 * {@code prometheus} package, installed when missing (as root; skipped otherwise, failed under CI).
 */
final class MonitoringTest {

    private static final Path MONITORING = Path.of("..", "deploy", "monitoring");
    /** The metric names a PromQL expression reads. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:nsps|jvm|process)_[a-z_]+)\\b");

    private static String promtool;

    @BeforeAll
    static void findPromtool() throws Exception {
        promtool = locate();
        if (promtool == null && "0".equals(run(List.of("id", "-u"), null).output.strip())) {
            run(List.of("apt-get", "install", "-y", "-qq", "prometheus"), null);
            if (locate() == null) {
                run(List.of("apt-get", "update", "-qq"), null);
                run(List.of("apt-get", "install", "-y", "-qq", "prometheus"), null);
            }
            promtool = locate();
        }
        if (promtool == null) {
            String why = "promtool (Debian package prometheus) is not installed and cannot be installed here";
            MissingPrecondition.skipOrFail(why);
        }
    }

    @Test
    void theAlertRulesLoadAndFireAsTheirUnitTestsSay() throws Exception {
        Result check = run(List.of(promtool, "check", "rules", "alerts.yaml"), MONITORING);
        Result tests = run(List.of(promtool, "test", "rules", "alerts.test.yaml"), MONITORING);

        assertThat(check.exit).as(check.output).isZero();
        assertThat(check.output).contains("SUCCESS");
        assertThat(tests.exit).as(tests.output).isZero();
    }

    @Test
    void aScrapePassesPromtoolAndHoldsEveryMetricTheDashboardAndTheRulesRead() throws Exception {
        String scrape;
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "probe", "MANAGEMENT_PORT",
                Integer.toString(FreePort.pick())))) {
            connector.postEvent(RunningConnector.probeEvent("monitoring-1", "ok"));
            connector.postEvent(RunningConnector.probeEvent("monitoring-2", "unavailable"));
            scrape = MetricsTest.scrape(connector.server().managementUri().orElseThrow());
        }
        Path file = Files.createTempFile("nsps-scrape", ".txt");
        Files.writeString(file, scrape);

        Result lint = run(List.of("sh", "-c", promtool + " check metrics < " + file), null);

        assertThat(lint.exit).as("promtool check metrics:%n%s", lint.output).isZero();
        Set<String> series = new TreeSet<>();
        Matcher names = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE).matcher(scrape);
        while (names.find()) {
            series.add(names.group(1));
        }
        Set<String> queried = new TreeSet<>();
        JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> queried.addAll(metrics(target.path("expr").asText()))));
        queried.addAll(metrics(Files.readString(MONITORING.resolve("alerts.yaml"))));
        // Series of handlers that renew credentials or call out (the probe handler does neither) exist with such a handler only.
        Set<String> onlyAfterAnEvent = Set.of("nsps_credential_renewals_total", "nsps_upstream_calls_total",
                "nsps_upstream_call_duration_seconds_bucket");
        for (String metric : queried) {
            if (!onlyAfterAnEvent.contains(metric)) {
                assertThat(series).as("the scrape has %s, which the dashboard or the rules read", metric).contains(metric);
            }
        }
        assertThat(queried).contains("nsps_events_total", "nsps_event_duration_seconds_bucket", "nsps_upstream_calls_total");
    }

    private static List<String> metrics(String expression) {
        List<String> names = new ArrayList<>();
        Matcher matcher = METRIC.matcher(expression);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path cwd) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Result(-1, output);
        }
        return new Result(process.exitValue(), output);
    }

    private static String locate() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
