package io.nsps.connector.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.ContractValidator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The quick start's first command: the demo runs with no configuration, the curl it prints is
 * answered 202, and the subscriber command it prints shows the state provisioned in the simulator.
 */
final class DemoCommandTest {

    private static final Pattern URL = Pattern.compile("Events URL: +(\\S+)");
    private static final Pattern TOKEN = Pattern.compile("Bearer token: +(\\S+)");
    private static final Pattern SAMPLE = Pattern.compile("--data-binary @(\\S+)");
    private static final Pattern SHOW = Pattern.compile("curl -sS -H 'Authorization: Bearer (\\S+)' (\\S+/subscribers/\\d+)");

    @Test
    void demoPrintsAWorkingRequest() throws Exception {
        try (ConnectorProcess demo = ConnectorProcess.startMain(Demo.class.getName(), java.util.List.of(), Map.of())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> demo.output().stream().anyMatch(l -> l.contains("Stop with Ctrl+C")));
            String printed = String.join("\n", demo.output());
            String url = find(URL, printed);
            String token = find(TOKEN, printed);
            Path sample = Path.of(find(SAMPLE, printed));

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .version(HttpClient.Version.HTTP_1_1)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofFile(sample))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(202);
            ContractValidator.validate("/process-event", "POST", 202, response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
            assertThat(response.body()).isEqualTo("{\"message\":\"hlr-hss: HLR: update SIM 255010000020349; log: Event SIM/Updated logged\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> demo.output().stream()
                    .anyMatch(l -> l.contains("event 3e84c79f-ab6f-4546-8e27-0b6ab866f1fb type=SIM/Updated")));

            Matcher show = SHOW.matcher(printed);
            assertThat(show.find()).as("the subscriber command in:%n%s", printed).isTrue();
            HttpResponse<String> state = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(show.group(2)))
                    .header("Authorization", "Bearer " + show.group(1)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(state.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(state.body())).isEqualTo(new ObjectMapper().readTree(
                    "{\"imsi\":\"255010000020349\",\"msisdn\":[\"380501234567\"],\"subscriber_status\":\"serviceGranted\","
                            + "\"cs_profile\":\"cs-pp-20250319\",\"eps_profile\":\"eps-pp-20250319\"}"));
            demo.terminate();
            assertThat(demo.awaitExit(15)).isZero();
        }
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as("%s in the demo's output:%n%s", pattern, text).isTrue();
        return matcher.group(1);
    }
}
