package io.nsps.connector.hlr;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HLR (and its token endpoint) that behaves badly, through the whole connector: an error text
 * echoing the credentials or NSPS's token never reaches the answer or a log line in any form, and a
 * token endpoint that never answers costs a bounded number of threads however many times NSPS retries.
 */
final class HostileUpstreamTest {

    private static final String SENDER_THREAD_PREFIX = "hostile-test-sender";

    private MockWebServer hlr;

    @BeforeEach
    void startHlr() throws IOException {
        hlr = new MockWebServer();
        hlr.start();
    }

    @AfterEach
    void stopHlr() throws IOException {
        hlr.shutdown();
    }

    @Test
    void anErrorTextEchoingBasicCredentialsOrTheNspsTokenIsMaskedInTheAnswer() {
        String password = TestSecrets.remember("echoed-basic-pass-7731");
        String base64 = Base64.getEncoder().encodeToString(("nsps:" + password).getBytes(StandardCharsets.UTF_8));
        String echo = "bad login nsps:" + password + " (" + base64 + ") from Basic " + base64 + " with " + RunningConnector.TOKEN
                + " \u0085\u009b\u202e\u2066\u2028 see //hlr.internal/x or hlr.internal:3001/prov";
        hlr.enqueue(new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
                .setBody("{\"error\":\"" + echo.replace("\u0085", "\\u0085").replace("\u009b", "\\u009b").replace("\u202e", "\\u202e")
                        .replace("\u2066", "\\u2066").replace("\u2028", "\\u2028") + "\"}"));

        try (RunningConnector connector = connector(Map.of("HLR_AUTH", "basic", "HLR_USERNAME", "nsps", "HLR_PASSWORD", password))) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(422);
            assertThat(answer.body()).doesNotContain(password).doesNotContain(base64).doesNotContain(base64.replace("=", ""))
                    .doesNotContain(RunningConnector.TOKEN).doesNotContain("hlr.internal")
                    .doesNotContain("\\u0085").doesNotContain("\\u009b").doesNotContain("\\u202e").doesNotContain("\\u2066")
                    .doesNotContain("\\u2028").contains("****");
        }
    }

    @Test
    void anErrorTextEchoingTheBareBearerTokenIsMasked() {
        String token = TestSecrets.remember("echoed-bearer-token-5512");
        hlr.enqueue(new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json")
                .setBody("{\"message\":\"token " + token + " lacks the provisioning scope\"}"));

        try (RunningConnector connector = connector(Map.of("HLR_AUTH", "bearer", "HLR_TOKEN", token))) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(422);
            assertThat(answer.body()).doesNotContain(token).contains("token **** lacks");
        }
    }

    @Test
    void anOAuth2AccessTokenEchoedBareIsMaskedInTheAnswerAndTheLog() throws Exception {
        String accessToken = "issued-access-token-" + UUID.randomUUID();
        try (MockWebServer tokens = new MockWebServer()) {
            tokens.enqueue(new MockResponse().setHeader("Content-Type", "application/json")
                    .setBody("{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":300}"));
            hlr.enqueue(new MockResponse().setResponseCode(500).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":\"crashed handling " + accessToken + "\"}"));
            Map<String, String> settings = Map.of("HLR_AUTH", "oauth2", "HLR_OAUTH_TOKEN_URL", tokens.url("/token").toString(),
                    "HLR_OAUTH_CLIENT_ID", "nsps", "HLR_OAUTH_CLIENT_SECRET", TestSecrets.remember("client-secret-echo-88"));
            try (RunningConnector connector = connector(settings)) {
                HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

                assertThat(answer.status()).isEqualTo(500);
                assertThat(answer.body()).doesNotContain(accessToken);
            }
        }
        assertThat(LogCapture.lines()).noneMatch(line -> line.contains(accessToken));
    }

    @Test
    void aTokenEndpointThatNeverAnswersCostsABoundedNumberOfThreads() throws Exception {
        try (MockWebServer deadTokens = new MockWebServer()) {
            deadTokens.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
                }
            });
            Map<String, String> settings = Map.of("HLR_AUTH", "oauth2", "HLR_OAUTH_TOKEN_URL", deadTokens.url("/token").toString(),
                    "HLR_OAUTH_CLIENT_ID", "nsps", "HLR_OAUTH_CLIENT_SECRET", TestSecrets.remember("client-secret-dead-61"),
                    "HLR_OAUTH_TIMEOUT", "300ms", "HLR_TIMEOUT", "500ms");
            ExecutorService senders = Executors.newFixedThreadPool(16, task -> new Thread(task, SENDER_THREAD_PREFIX));
            try (RunningConnector connector = connector(settings)) {
                Set<Thread> afterWarmUp = Set.of();
                for (int wave = 0; wave < 8; wave++) {
                    List<CompletableFuture<HttpAnswer>> answers = new ArrayList<>();
                    for (int i = 0; i < 16; i++) {
                        // Each of its own subscriber, so that they run at once rather than one after the other.
                        String imsi = Long.toString(255010000000000L + wave * 100 + i);
                        answers.add(CompletableFuture.supplyAsync(() -> connector.postEvent(sample("sim-updated.json")
                                .replace("3e84c79f-ab6f-4546-8e27-0b6ab866f1fb", UUID.randomUUID().toString())
                                .replace("255010000020349", imsi)), senders));
                    }
                    for (CompletableFuture<HttpAnswer> answer : answers) {
                        assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(503);
                    }
                    if (wave == 2) {
                        afterWarmUp = Thread.getAllStackTraces().keySet();
                    }
                }
                // The first waves start the pools' threads; after that, the 80 retries start none that stay.
                // A count of the whole JVM's threads would also see the test's own client and fake servers,
                // and earlier test classes' idle threads ending: only threads the connector started count.
                Set<Thread> before = afterWarmUp;
                List<String> startedSince = Thread.getAllStackTraces().keySet().stream()
                        .filter(thread -> !before.contains(thread))
                        .map(Thread::getName)
                        .filter(name -> !name.startsWith(RunningConnector.CLIENT_THREAD_PREFIX) && !name.startsWith(SENDER_THREAD_PREFIX)
                                && !name.startsWith("MockWebServer") && !name.startsWith("OkHttp"))
                        .toList();
                assertThat(startedSince).as("threads the connector started after the third wave, still alive").hasSizeLessThan(8);
            } finally {
                senders.shutdownNow();
            }
        }
        assertThat(hlr.getRequestCount()).as("no token, no HLR call").isZero();
    }

    private RunningConnector connector(Map<String, String> credentials) {
        Map<String, String> env = new HashMap<>(credentials);
        env.put("HANDLERS", "hlr-hss");
        env.put("HLR_API_URL", hlr.url("/wtl/hlr/v1").toString());
        return RunningConnector.start(env);
    }
}
