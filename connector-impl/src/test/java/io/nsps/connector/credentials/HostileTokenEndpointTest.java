package io.nsps.connector.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamUnavailableException;
import io.nsps.connector.spi.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A token endpoint that misbehaves, on a real socket (MockWebServer): too much, too slowly, never,
 * or garbage. Each is a bounded failure (503, retried by NSPS): no out-of-memory, no thread left
 * waiting beyond the token request's bound, no 500 from a lifetime that overflows.
 */
final class HostileTokenEndpointTest {

    private static final Duration TIMEOUT = Duration.ofMillis(700);

    private final TestClock clock = TestClock.now();
    private MockWebServer endpoint;

    @BeforeEach
    void start() throws Exception {
        endpoint = new MockWebServer();
        endpoint.start();
    }

    @AfterEach
    void stop() throws Exception {
        endpoint.shutdown();
    }

    @Test
    void anEndlessAnswerIsReadNoFurtherThanItsBound() {
        Buffer tenMegabytes = new Buffer();
        tenMegabytes.writeUtf8("{\"access_token\":\"").writeUtf8("a".repeat(10 << 20)).writeUtf8("\",\"token_type\":\"Bearer\"}");
        endpoint.enqueue(new MockResponse().setHeader("Content-Type", "application/json").setBody(tenMegabytes));

        assertThatThrownBy(provider()::authorization).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessageContaining("an answer over " + OAuth2TokenProvider.MAX_RESPONSE_BYTES + " bytes");
    }

    @Test
    void aDrippingAnswerIsAbandonedAtTheTimeout() {
        endpoint.enqueue(token("{\"access_token\":\"drip-token-1\",\"token_type\":\"Bearer\",\"expires_in\":300}")
                .throttleBody(1, 100, TimeUnit.MILLISECONDS));

        long start = System.nanoTime();
        assertThatThrownBy(provider()::authorization).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessageContaining("did not answer within");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.multipliedBy(3));
    }

    @Test
    void callersWaitingBehindAHangingRequestGiveUpToo() throws Exception {
        endpoint.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
        UpstreamCredentials credentials = provider();
        ExecutorService callers = Executors.newFixedThreadPool(20);
        try {
            long start = System.nanoTime();
            List<Future<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(callers.submit(credentials::authorization));
            }
            for (Future<Object> call : calls) {
                assertThatThrownBy(call::get).hasCauseInstanceOf(UpstreamUnavailableException.class);
            }
            // The first waits for the request's bound, the others for it and the lock's margin at most.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.multipliedBy(2).plusSeconds(2));
        } finally {
            callers.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e30", "9223372036854775807", "99999999999999999999"})
    void anEnormousLifetimeIsCutToADay(String expiresIn) throws Exception {
        endpoint.enqueue(token("{\"access_token\":\"long-lived-1\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}"));
        endpoint.enqueue(token("{\"access_token\":\"long-lived-2\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        UpstreamCredentials credentials = provider();

        assertThat(credentials.authorization()).isEqualTo("Bearer long-lived-1");
        clock.advance(Duration.ofHours(23));
        assertThat(credentials.authorization()).isEqualTo("Bearer long-lived-1");
        clock.advance(Duration.ofHours(1));
        assertThat(credentials.authorization()).isEqualTo("Bearer long-lived-2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"access_token\":\"t-1\",\"token_type\":\"Bearer\",\"expires_in\":0",
            "\"access_token\":\"t-1\",\"token_type\":\"Bearer\",\"expires_in\":-5",
            "\"access_token\":\"t-1\",\"token_type\":\"Bearer\",\"expires_in\":\"soon\"",
            "\"access_token\":\"\",\"token_type\":\"Bearer\",\"expires_in\":60",
            "\"token_type\":\"Bearer\",\"expires_in\":60"})
    void aBrokenAnswerIsUnavailableAndNothingIsCached(String fields) throws Exception {
        endpoint.enqueue(token("{" + fields + "}"));
        endpoint.enqueue(token("{\"access_token\":\"good-token-1\",\"token_type\":\"Bearer\",\"expires_in\":60}"));
        UpstreamCredentials credentials = provider();

        assertThatThrownBy(credentials::authorization).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessageStartingWith("The token endpoint answered");
        assertThat(credentials.authorization()).isEqualTo("Bearer good-token-1");
    }

    @Test
    void aMissingLifetimeIsTakenAsAMinute() throws Exception {
        endpoint.enqueue(token("{\"access_token\":\"no-expiry-1\",\"token_type\":\"Bearer\"}"));
        endpoint.enqueue(token("{\"access_token\":\"no-expiry-2\",\"token_type\":\"Bearer\"}"));
        UpstreamCredentials credentials = provider();

        assertThat(credentials.authorization()).isEqualTo("Bearer no-expiry-1");
        clock.advance(OAuth2TokenProvider.ASSUMED_LIFETIME);
        assertThat(credentials.authorization()).isEqualTo("Bearer no-expiry-2");
    }

    private static MockResponse token(String json) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(json);
    }

    private UpstreamCredentials provider() {
        Map<String, String> env = new HashMap<>(Map.of(
                "X_AUTH", "oauth2",
                "X_OAUTH_TOKEN_URL", endpoint.url("/token").toString(),
                "X_OAUTH_CLIENT_ID", "connector",
                "X_OAUTH_CLIENT_SECRET", "client-secret-hostile-1",
                "X_OAUTH_TIMEOUT", TIMEOUT.toMillis() + "ms"));
        List<String> problems = new ArrayList<>();
        UpstreamCredentials credentials = CredentialsFactory.create("X_", new EnvironmentReader(env, problems), clock);
        assertThat(problems).isEmpty();
        return credentials;
    }
}
