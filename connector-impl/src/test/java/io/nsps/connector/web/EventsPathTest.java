package io.nsps.connector.web;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NSPS posts to whatever URL the operator typed: the root, or any path. By default every path but
 * the connector's own ({@code /health}) takes events, so a URL typed differently never turns every
 * event into a 404 that NSPS would drop; EVENTS_PATH restricts it to one.
 */
final class EventsPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/process-event", "/api/events", "/api/events/", "/connector/v1/nsps", "/process-event?x=1"})
    void byDefaultEveryPathButTheConnectorsOwnTakesEvents(String path) {
        try (RunningConnector connector = RunningConnector.start(Map.of())) {
            HttpAnswer accepted = connector.send(post(connector, path, sample("sim-updated.json").replace("3e84c79f", "0e84c79f")));

            assertThat(accepted.status()).isEqualTo(202);
            assertThat(connector.send(post(connector, "/health", sample("sim-updated.json"))).status()).isEqualTo(405);
            assertThat(connector.get("/health").status()).isEqualTo(200);
            assertThat(io.nsps.connector.testing.LogCapture.lines()).anyMatch(line -> line.contains("events on any path but /health"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/api/events", "/api/events/"})
    void eventsAreAcceptedOnTheConfiguredPathOnly(String eventsPath) {
        try (RunningConnector connector = RunningConnector.start(Map.of("EVENTS_PATH", eventsPath))) {
            String normalised = eventsPath.length() > 1 && eventsPath.endsWith("/") ? eventsPath.substring(0, eventsPath.length() - 1) : eventsPath;
            HttpAnswer accepted = connector.send(post(connector, normalised, sample("sim-updated.json")));
            HttpAnswer elsewhere = connector.send(post(connector, "/process-event", sample("sim-updated.json")));
            HttpAnswer health = connector.get("/health");

            assertThat(accepted.status()).isEqualTo(202);
            assertThat(elsewhere.status()).isEqualTo(404);
            assertThat(elsewhere.json().path("message").asText()).as("what a mistyped URL in NSPS is told")
                    .isEqualTo("Resource not found: events are posted to " + normalised + " (EVENTS_PATH); GET /health answers health checks");
            assertThat(health.status()).isEqualTo(200);
        }
    }

    private static HttpRequest.Builder post(RunningConnector connector, String path, String body) {
        return HttpRequest.newBuilder(connector.uri(path))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }
}
