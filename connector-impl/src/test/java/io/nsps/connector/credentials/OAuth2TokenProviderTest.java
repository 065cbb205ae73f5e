package io.nsps.connector.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamUnavailableException;
import io.nsps.connector.spi.testing.TestClock;
import io.nsps.connector.testing.FreePort;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OAuth2 against a real OAuth2 server (no.nav.security mock-oauth2-server): grants, caching, expiry,
 * refresh tokens and their rotation, refused refresh, single flight, refused tokens, refused grants.
 * What that server never answers by itself (refresh tokens for client credentials, refused refreshes,
 * refused clients) is played by a scripted token endpoint on a real socket (MockWebServer).
 */
final class OAuth2TokenProviderTest {

    private static final String CLIENT_SECRET = "client-secret-5be3a1";
    private static MockOAuth2Server oauth;

    private final TestClock clock = TestClock.now();
    private final List<String> problems = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        oauth = new MockOAuth2Server();
        oauth.start(0);
    }

    @AfterAll
    static void stopServer() {
        oauth.shutdown();
    }

    @BeforeEach
    void forgetEarlierRequests() throws InterruptedException {
        while (poll(20) != null) {
            // drained
        }
    }

    @Test
    void clientCredentialsTokenIsFetchedOnceAndReused() throws Exception {
        UpstreamCredentials credentials = provider(Map.of());

        String first = credentials.authorization();
        String second = credentials.authorization();

        assertThat(first).startsWith("Bearer ey").isEqualTo(second);
        RecordedRequest request = poll(1000);
        assertThat(request.getHeader("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString(("connector:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8)));
        assertThat(request.getBody().readUtf8()).contains("grant_type=client_credentials").contains("scope=provisioning");
        assertThat(requestsSoFar()).isZero();
    }

    @Test
    void tokenIsRenewedShortlyBeforeItExpires() throws Exception {
        oauth.enqueueCallback(new DefaultOAuth2TokenCallback("hlr", "connector", "JWT", List.of("hlr"), Map.of(), 60));
        UpstreamCredentials credentials = provider(Map.of());

        String first = credentials.authorization();
        clock.advance(Duration.ofSeconds(50));
        String stillValid = credentials.authorization();
        clock.advance(Duration.ofSeconds(5)); // past 60 s less the 10% margin
        String renewed = credentials.authorization();

        assertThat(stillValid).isEqualTo(first);
        assertThat(renewed).isNotEqualTo(first);
        assertThat(requestsSoFar()).isEqualTo(2);
    }

    @Test
    void refreshTokenIsUsedAndARotatedOneKept() throws Exception {
        try (MockWebServer scripted = new MockWebServer()) {
            scripted.enqueue(tokenResponse("at-1", "rt-1"));
            scripted.enqueue(tokenResponse("at-2", "rt-2"));
            scripted.enqueue(tokenResponse("at-3", null));
            UpstreamCredentials credentials = provider(Map.of("X_OAUTH_TOKEN_URL", scripted.url("/token").toString()));

            assertThat(credentials.authorization()).isEqualTo("Bearer at-1");
            clock.advance(Duration.ofSeconds(60));
            assertThat(credentials.authorization()).isEqualTo("Bearer at-2");
            clock.advance(Duration.ofSeconds(60));
            assertThat(credentials.authorization()).isEqualTo("Bearer at-3");

            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=client_credentials");
            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=refresh_token").contains("refresh_token=rt-1");
            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=refresh_token").contains("refresh_token=rt-2");
        }
    }

    @Test
    void refusedRefreshFallsBackToAFullGrant() throws Exception {
        try (MockWebServer scripted = new MockWebServer()) {
            scripted.enqueue(tokenResponse("at-1", "rt-1"));
            scripted.enqueue(new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":\"invalid_grant\",\"error_description\":\"refresh token revoked\"}"));
            scripted.enqueue(tokenResponse("at-2", null));
            UpstreamCredentials credentials = provider(Map.of("X_OAUTH_TOKEN_URL", scripted.url("/token").toString()));
            credentials.authorization();
            clock.advance(Duration.ofSeconds(60));

            assertThat(credentials.authorization()).isEqualTo("Bearer at-2");

            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=client_credentials");
            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=refresh_token");
            assertThat(scripted.takeRequest().getBody().readUtf8()).contains("grant_type=client_credentials");
        }
    }

    @Test
    void fiftyConcurrentCallersCauseOneTokenRequest() throws Exception {
        UpstreamCredentials credentials = provider(Map.of());
        ExecutorService callers = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            results.add(callers.submit(() -> {
                start.await();
                return credentials.authorization();
            }));
        }
        start.countDown();
        Set<String> tokens = new HashSet<>();
        for (Future<String> result : results) {
            tokens.add(result.get(10, TimeUnit.SECONDS));
        }
        callers.shutdown();

        assertThat(tokens).hasSize(1);
        assertThat(requestsSoFar()).isEqualTo(1);
    }

    @Test
    void refusedTokenIsReplacedOnceWhoeverNoticesIt() throws Exception {
        UpstreamCredentials credentials = provider(Map.of());
        String refused = credentials.authorization();

        assertThat(credentials.refused(refused)).isTrue();
        String fresh = credentials.authorization();
        assertThat(credentials.refused(refused)).as("a late report of the old token").isTrue();
        String stillFresh = credentials.authorization();

        assertThat(fresh).isNotEqualTo(refused).isEqualTo(stillFresh);
        assertThat(requestsSoFar()).isEqualTo(2);
    }

    @Test
    void refusedGrantIsUnavailableWithRetryAfter() throws Exception {
        try (MockWebServer scripted = new MockWebServer()) {
            scripted.enqueue(new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":\"invalid_client\"}"));
            UpstreamCredentials credentials = provider(Map.of("X_OAUTH_TOKEN_URL", scripted.url("/token").toString()));

            assertThatThrownBy(credentials::authorization)
                    .isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("The token endpoint refused the connector's credentials (invalid_client)")
                                .doesNotContain(CLIENT_SECRET);
                        assertThat(e.retryAfter()).contains(Duration.ofSeconds(60));
                    });
        }
    }

    @Test
    void unreachableTokenEndpointIsUnavailable() throws Exception {
        int closedPort = FreePort.pick();
        UpstreamCredentials credentials = provider(Map.of("X_OAUTH_TOKEN_URL", "http://127.0.0.1:" + closedPort + "/token"));

        assertThatThrownBy(credentials::authorization).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessage("The token endpoint is unreachable");
    }

    @Test
    void passwordGrantSendsTheResourceOwner() throws Exception {
        UpstreamCredentials credentials = provider(Map.of("X_OAUTH_GRANT", "password", "X_USERNAME", "hlr-user", "X_PASSWORD", "hlr-pass-77"));

        assertThat(credentials.authorization()).startsWith("Bearer ");
        assertThat(poll(1000).getBody().readUtf8())
                .contains("grant_type=password").contains("username=hlr-user").contains("password=hlr-pass-77");
    }

    private UpstreamCredentials provider(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(Map.of(
                "X_AUTH", "oauth2",
                "X_OAUTH_TOKEN_URL", oauth.tokenEndpointUrl("hlr").toString(),
                "X_OAUTH_CLIENT_ID", "connector",
                "X_OAUTH_CLIENT_SECRET", CLIENT_SECRET,
                "X_OAUTH_SCOPE", "provisioning"));
        env.putAll(overrides);
        UpstreamCredentials credentials = CredentialsFactory.create("X_", new EnvironmentReader(env, problems), clock);
        assertThat(problems).isEmpty();
        return credentials;
    }

    private static MockResponse tokenResponse(String accessToken, String refreshToken) {
        String refresh = refreshToken == null ? "" : ",\"refresh_token\":\"" + refreshToken + "\"";
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody("{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":60" + refresh + "}");
    }

    /** Token requests recorded since the last look (consumed). */
    private static int requestsSoFar() throws InterruptedException {
        int count = 0;
        while (poll(50) != null) {
            count++;
        }
        return count;
    }

    /** The next recorded token request, or null when none came within the time (the server throws then). */
    private static RecordedRequest poll(long millis) {
        try {
            return oauth.takeRequest(millis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
