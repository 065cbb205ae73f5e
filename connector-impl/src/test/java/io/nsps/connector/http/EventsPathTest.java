package io.nsps.connector.http;

import static io.nsps.connector.testing.RunningConnector.TOKEN;
import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NSPS posts to whatever URL the operator typed: the root, or any path. */
final class EventsPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"/", "/api/events", "/api/events/"})
    void eventsAreAcceptedOnTheConfiguredPathOnly(String eventsPath) {
        try (RunningConnector connector = RunningConnector.start(Map.of("EVENTS_PATH", eventsPath))) {
            String normalised = eventsPath.length() > 1 && eventsPath.endsWith("/") ? eventsPath.substring(0, eventsPath.length() - 1) : eventsPath;
            HttpAnswer accepted = connector.send(post(connector, normalised));
            HttpAnswer elsewhere = connector.send(post(connector, "/process-event"));
            HttpAnswer health = connector.get("/health");

            assertThat(accepted.status()).isEqualTo(202);
            assertThat(elsewhere.status()).isEqualTo(404);
            assertThat(health.status()).isEqualTo(200);
        }
    }

    private static HttpRequest.Builder post(RunningConnector connector, String path) {
        return HttpRequest.newBuilder(connector.uri(path))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sample("sim-updated.json")));
    }
}
