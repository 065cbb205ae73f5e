package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.ContractValidator;
import io.nsps.connector.testing.RunningConnector;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * On a real process: SIGTERM with 20 events in flight. Readiness fails first, the
 * 20 finish with 202, and the process exits 0 within the grace period.
 */
final class GracefulShutdownTest {

    private static final int IN_FLIGHT = 20;
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");

    @Test
    void sigtermDrainsRequestsInFlightAndExitsZeroEvenWhenRepeated() throws Exception {
        try (ConnectorProcess connector = ConnectorProcess.start("serve", Map.of("API_TOKEN", RunningConnector.TOKEN,
                "HANDLERS", "probe", "SHUTDOWN_GRACE", "10s"))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = awaitHealthy(client, connector);

            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/process-event"))
                        .header("Authorization", "Bearer " + RunningConnector.TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(RunningConnector.probeEvent("drain-" + i, "sleep:2000")))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    connector.output().stream().filter(line -> line.contains("probe handling drain-")).count() == IN_FLIGHT);
            // A probe's keep-alive connection, open before the signal: it must read 503 JSON, not HTML.
            try (Socket probe = new Socket("127.0.0.1", connector.port()); Socket sender = new Socket("127.0.0.1", connector.port())) {
                probe.setSoTimeout(5000);
                assertThat(rawHealth(probe)).startsWith("HTTP/1.1 200");
                // And NSPS's keep-alive connection, open before the signal too.
                sender.setSoTimeout(5000);
                assertThat(rawHealth(sender)).startsWith("HTTP/1.1 200");

                long signalled = System.nanoTime();
                connector.terminate();

                await().atMost(Duration.ofSeconds(1)).until(() -> health(client, base) != 200);
                // A second SIGTERM (an impatient orchestrator) does not cut the drain short.
                connector.terminate();
                String draining = rawHealth(probe);
                assertThat(draining).startsWith("HTTP/1.1 503").contains("Content-Type: application/json").contains("Retry-After: ");
                String body = draining.substring(draining.indexOf("\r\n\r\n") + 4);
                ContractValidator.validate("/health", "GET", 503, "application/json", body);
                assertThat(body).contains("\"status\":\"shutting_down\"").contains("\"problem\":\"The connector is shutting down\"");
                // An event on it is refused as the resource refuses it while draining, with its access line.
                String event = RunningConnector.probeEvent("after-signal", "ok");
                String refused = raw(sender, "POST /process-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RunningConnector.TOKEN
                        + "\r\nContent-Type: application/json\r\nx-request-id: refused-after-signal-1\r\nContent-Length: "
                        + event.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + event);
                assertThat(refused).startsWith("HTTP/1.1 503").contains("Retry-After: ").contains("x-request-id: refused-after-signal-1");
                ContractValidator.validate("/process-event", "POST", 503, "application/json", refused.substring(refused.indexOf("\r\n\r\n") + 4));
                await().atMost(Duration.ofSeconds(5)).until(() -> connector.output().stream()
                        .anyMatch(line -> line.contains("refused-after-signal-1") && line.contains("refused_draining") && line.contains("503")));
                for (CompletableFuture<HttpResponse<String>> request : inFlight) {
                    HttpResponse<String> response = request.get(15, TimeUnit.SECONDS);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                    ContractValidator.validate("/process-event", "POST", 202,
                            response.headers().firstValue("Content-Type").orElse(""), response.body());
                }
                assertThat(connector.awaitExit(12)).as("exit code, within the grace period").isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(11));
                assertThat(String.join("\n", connector.output())).contains("Shutting down").contains("Connector stopped");
            }
        }
    }

    @Test
    void linesWaitingForTheWriterAreWrittenAtExit() throws Exception {
        try (ConnectorProcess connector = ConnectorProcess.start("serve", Map.of("API_TOKEN", RunningConnector.TOKEN,
                "HANDLERS", "probe"))) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = awaitHealthy(client, connector);

            HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve("/process-event"))
                    .header("Authorization", "Bearer " + RunningConnector.TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(RunningConnector.probeEvent("drained-1", "ok")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    connector.output().stream().anyMatch(line -> line.contains("probe handling drained-1")));

            connector.terminate();

            assertThat(connector.awaitExit(12)).isZero();
            // Logged right before the process exits, by then waiting for the writer thread (a daemon):
            // written by the drain at exit.
            assertThat(connector.output()).last().asString().contains("Connector stopped");
        }
    }

    /** The connector's base URI, once its health check answers 200. */
    private static URI awaitHealthy(HttpClient client, ConnectorProcess connector) {
        URI base = URI.create("http://127.0.0.1:" + connector.port());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> health(client, base) == 200);
        return base;
    }

    /** GET /health on an open connection; the whole answer as text. */
    private static String rawHealth(Socket socket) throws IOException {
        return raw(socket, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    /** Sends {@code request} on the socket and reads one answer, head and body. */
    private static String raw(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder answer = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            answer.append((char) c);
            int end = answer.indexOf("\r\n\r\n");
            if (end >= 0) {
                Matcher length = CONTENT_LENGTH.matcher(answer);
                if (answer.length() - end - 4 >= (length.find() ? Integer.parseInt(length.group(1)) : 0)) {
                    break;
                }
            }
        }
        return answer.toString();
    }

    /** The health status, or 0 when no connection is taken any more. */
    private static int health(HttpClient client, URI base) throws IOException, InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (ConnectException e) {
            return 0;
        }
    }
}
