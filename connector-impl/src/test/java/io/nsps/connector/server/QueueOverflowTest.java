package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request that finds every worker busy and {@code WORKER_QUEUE} requests already waiting is
 * answered 503 with Retry-After, as admission control answers, instead of a dropped connection or
 * Grizzly's 500, and logged as other requests are.
 */
final class QueueOverflowTest {

    private static final int SENDERS_COUNT = 30;
    private static final String TRACE_PREFIX = "queue-overflow-";
    private static final ExecutorService SENDERS = Executors.newFixedThreadPool(SENDERS_COUNT);
    private static RunningConnector connector;
    private static int logLinesBeforeThisConnector;

    @BeforeAll
    static void start() {
        connector = RunningConnector.start(Map.of("HANDLERS", "probe", "WORKER_THREADS", "2", "MAX_CONCURRENT_EVENTS", "1",
                "RUNNING_WORKERS", "1", "WORKER_QUEUE", "0"));
        logLinesBeforeThisConnector = LogCapture.lines().size();
    }

    @AfterAll
    static void stop() {
        SENDERS.shutdownNow();
        connector.close();
    }

    @Test
    void requestsBeyondTheWorkersAndTheQueueAreRefusedWithRetryAfter() throws Exception {
        List<HttpAnswer> answers = answersOf(sendSlowEvents(SENDERS_COUNT));

        assertThat(answers).allSatisfy(answer -> assertThat(answer.status()).isIn(202, 503));
        List<HttpAnswer> refused = answers.stream().filter(answer -> answer.status() == 503).toList();
        assertThat(refused).isNotEmpty().allSatisfy(answer -> {
            assertThat(answer.header("Retry-After")).isEqualTo("5");
            assertThat(answer.json().path("type").asText()).isEqualTo("connection_error");
        });
        List<HttpAnswer> noWorker = refused.stream()
                .filter(answer -> answer.json().path("error").asText().equals("Too many requests waiting for a worker")).toList();
        assertThat(noWorker).as("some found both workers busy and no room to wait").isNotEmpty();
        // Refused before Jersey, yet traced and logged like every other request: its id echoed, one
        // access line, and no warning of Grizzly's per refusal.
        assertThat(noWorker).allSatisfy(answer -> {
            String traceId = answer.header("x-b3-traceid");
            assertThat(traceId).startsWith(TRACE_PREFIX);
            assertThat(LogCapture.forRequest(traceId)).singleElement().satisfies(line -> {
                assertThat(line.path("logger").asText()).isEqualTo("io.nsps.connector.access");
                assertThat(line.path("status").asInt()).isEqualTo(503);
                assertThat(line.path("outcome").asText()).isEqualTo(CapacityRefusals.OUTCOME);
                assertThat(line.path("path").asText()).isEqualTo(connector.eventsPath());
            });
        });
        assertThat(LogCapture.lines()).noneSatisfy(line -> assertThat(line).contains("RejectedExecutionException"));
        List<JsonNode> logLines = LogCapture.json();
        List<JsonNode> sinceThisConnectorStarted = logLines.subList(logLinesBeforeThisConnector, logLines.size());
        assertThat(sinceThisConnectorStarted).filteredOn(line -> line.path("logger").asText().equals(CapacityRefusals.class.getName()))
                .as("this connector's at-capacity warning").isNotEmpty()
                .allSatisfy(line -> assertThat(line.path("message").asText()).contains("workers busy"));
        // The worker that answered 202 may still be finishing that request when its answer arrives.
        await().atMost(Duration.ofSeconds(5)).until(() -> connector.get("/health").status() == 200);
    }

    @Test
    void aHealthCheckThatFindsNoWorkerIsRefusedAsAHealthDocument() throws Exception {
        List<HttpAnswer> healthChecks = new ArrayList<>();
        // Bursts until a health check finds both workers busy (the first burst almost always does).
        for (int burst = 0; burst < 5 && healthChecks.stream().noneMatch(answer -> answer.status() == 503); burst++) {
            List<CompletableFuture<HttpAnswer>> requests = sendSlowEvents(SENDERS_COUNT - 1);
            for (int i = 0; i < 20; i++) {
                healthChecks.add(connector.get("/health"));
            }
            answersOf(requests);
        }

        // Validated against the contract's HealthResponse by RunningConnector, 200 and 503 alike.
        assertThat(healthChecks).allSatisfy(answer -> assertThat(answer.status()).isIn(200, 503));
        assertThat(healthChecks).filteredOn(answer -> answer.status() == 503).isNotEmpty().allSatisfy(answer -> {
            assertThat(answer.json().path("status").asText()).isEqualTo("busy");
            assertThat(answer.header("Retry-After")).isEqualTo("5");
        });
    }

    /** Events whose handling sleeps 1.5 s, all sent at once. */
    private static List<CompletableFuture<HttpAnswer>> sendSlowEvents(int count) {
        List<CompletableFuture<HttpAnswer>> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String event = RunningConnector.probeEvent(UUID.randomUUID().toString(), "sleep:1500");
            String traceId = TRACE_PREFIX + UUID.randomUUID();
            requests.add(CompletableFuture.supplyAsync(
                    () -> connector.postEvent(event, "Accept", "application/json", "x-b3-traceid", traceId), SENDERS));
        }
        return requests;
    }

    /** A dropped connection fails its future with UncheckedIOException, failing the test here. */
    private static List<HttpAnswer> answersOf(List<CompletableFuture<HttpAnswer>> requests) throws Exception {
        List<HttpAnswer> answers = new ArrayList<>();
        for (CompletableFuture<HttpAnswer> request : requests) {
            answers.add(request.get(30, TimeUnit.SECONDS));
        }
        return answers;
    }
}
