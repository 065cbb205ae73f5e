package io.nsps.connector.hlr;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.FreePort;
import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each credential type through the whole connector: NSPS event in, HLR call out on a real socket,
 * with the exact Authorization header the HLR received.
 */
final class HlrCredentialsWireTest {

    private static final String OK = "{\"result\":true}";

    @TempDir
    Path dir;

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
    void basic() throws Exception {
        String password = TestSecrets.remember("hlr-basic-pass-41");

        RecordedRequest request = provisionWith(Map.of("HLR_AUTH", "basic", "HLR_USERNAME", "nsps", "HLR_PASSWORD", password));

        assertThat(request.getHeader("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString(("nsps:" + password).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void staticBearerFromAFile() throws Exception {
        String token = TestSecrets.remember("hlr-static-token-93");
        Path file = Files.writeString(dir.resolve("hlr-token"), token + "\n");

        RecordedRequest request = provisionWith(Map.of("HLR_AUTH", "bearer", "HLR_TOKEN_FILE", file.toString()));

        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + token);
    }

    @Test
    void signedJwtVerifiesWithThePublicKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair keys = generator.generateKeyPair();
        String privatePem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        TestSecrets.remember(Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded()).lines().findFirst().orElseThrow());
        Path keyFile = Files.writeString(dir.resolve("hlr-key.pem"), privatePem);

        RecordedRequest request = provisionWith(Map.of("HLR_AUTH", "jwt", "HLR_JWT_PRIVATE_KEY", keyFile.toString(), "HLR_JWT_ALG", "ES256",
                "HLR_JWT_ISSUER", "nsps-connector", "HLR_JWT_AUDIENCE", "wtl-hlr", "HLR_JWT_SUBJECT", "provisioning"));

        String authorization = request.getHeader("Authorization");
        assertThat(authorization).startsWith("Bearer ");
        JWTAuthContextInfo verification = new JWTAuthContextInfo(keys.getPublic(), "nsps-connector");
        verification.setExpectedAudience(Set.of("wtl-hlr"));
        verification.setSignatureAlgorithm(Set.of(io.smallrye.jwt.algorithm.SignatureAlgorithm.ES256));
        JsonWebToken jwt = new DefaultJWTParser(verification).parse(authorization.substring("Bearer ".length()));
        assertThat(jwt.getSubject()).isEqualTo("provisioning");
        assertThat(jwt.getExpirationTime() - jwt.getIssuedAtTime()).isEqualTo(300);
    }

    @Test
    void oauth2TokenRefusedByTheHlrIsRenewedAndTheCallSentOnceMore() throws Exception {
        MockOAuth2Server oauth = new MockOAuth2Server();
        oauth.start(0);
        try {
            hlr.enqueue(new MockResponse().setResponseCode(401));
            String clientSecret = TestSecrets.remember("oauth-client-secret-63");
            Map<String, String> settings = Map.of("HLR_AUTH", "oauth2", "HLR_OAUTH_TOKEN_URL", oauth.tokenEndpointUrl("idp").toString(),
                    "HLR_OAUTH_CLIENT_ID", "nsps-connector", "HLR_OAUTH_CLIENT_SECRET", clientSecret);

            RecordedRequest refused;
            RecordedRequest accepted;
            String scrape;
            Map<String, String> withMetrics = new java.util.HashMap<>(settings);
            withMetrics.put("MANAGEMENT_PORT", Integer.toString(FreePort.pick()));
            try (RunningConnector connector = connector(withMetrics)) {
                hlr.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(OK));
                HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));
                assertThat(answer.status()).isEqualTo(202);
                refused = hlr.takeRequest(1, TimeUnit.SECONDS);
                accepted = hlr.takeRequest(1, TimeUnit.SECONDS);
                scrape = io.nsps.connector.metrics.MetricsTest.scrape(connector.server().managementUri().orElseThrow());
            }

            // Two grants (the first token, and the one after the HLR refused it); two calls, 4xx then 2xx.
            assertThat(io.nsps.connector.metrics.MetricsTest.value(scrape, "nsps_credential_renewals_total",
                    "handler=\"hlr-hss\",result=\"ok\"")).isEqualTo(2);
            assertThat(io.nsps.connector.metrics.MetricsTest.value(scrape, "nsps_upstream_calls_total",
                    "handler=\"hlr-hss\",status_class=\"4xx\"")).isEqualTo(1);
            assertThat(io.nsps.connector.metrics.MetricsTest.value(scrape, "nsps_upstream_calls_total",
                    "handler=\"hlr-hss\",status_class=\"2xx\"")).isEqualTo(1);
            assertThat(io.nsps.connector.metrics.MetricsTest.value(scrape, "nsps_upstream_call_duration_seconds_count",
                    "handler=\"hlr-hss\"")).isEqualTo(2);

            assertThat(refused.getHeader("Authorization")).startsWith("Bearer ey");
            assertThat(accepted.getHeader("Authorization")).startsWith("Bearer ey").isNotEqualTo(refused.getHeader("Authorization"));
            assertThat(accepted.getBody().readUtf8()).isEqualTo(refused.getBody().readUtf8());
            assertThat(hlr.getRequestCount()).isEqualTo(2);
        } finally {
            oauth.shutdown();
        }
    }

    @Test
    void credentialsRefusedAgainAreAnAuthenticationError() throws Exception {
        hlr.enqueue(new MockResponse().setResponseCode(401));
        try (RunningConnector connector = connector(Map.of("HLR_AUTH", "bearer", "HLR_TOKEN", TestSecrets.remember("revoked-token-12")))) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));

            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.json().path("type").asText()).isEqualTo("authentication_error");
            assertThat(answer.body()).doesNotContain("revoked-token-12").doesNotContain(hlr.getHostName() + ":" + hlr.getPort());
        }
        assertThat(hlr.getRequestCount()).as("static credentials: not re-sent").isEqualTo(1);
    }

    @Test
    void credentialsAnHlrQuotesAreMaskedInTheAnswerAndInTheJournal() throws Exception {
        String password = TestSecrets.remember("hlr-quoted-pass-58");
        String basic = Base64.getEncoder().encodeToString(("nsps:" + password).getBytes(StandardCharsets.UTF_8));
        hlr.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody("{\"result\":false,\"error\":\"token was Basic " + basic + " ok\"}"));
        String managementToken = TestSecrets.remember("management-token-quoted-31");
        Map<String, String> settings = new HashMap<>(Map.of("HLR_AUTH", "basic", "HLR_USERNAME", "nsps", "HLR_PASSWORD", password,
                "MANAGEMENT_PORT", Integer.toString(FreePort.pick()), "MANAGEMENT_TOKEN", managementToken));
        try (RunningConnector connector = connector(settings)) {
            HttpAnswer answer = connector.postEvent(sample("sim-updated.json"));
            HttpResponse<String> journal = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            connector.server().managementUri().orElseThrow().resolve("/journal"))
                    .header("Authorization", "Bearer " + managementToken).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.status()).isEqualTo(422);
            assertThat(answer.body()).contains("token was").doesNotContain(basic);
            assertThat(journal.statusCode()).isEqualTo(200);
            assertThat(journal.body()).as("the journal, as the store keeps it").contains("token was").doesNotContain(basic)
                    .doesNotContain(password);
        }
    }

    private RecordedRequest provisionWith(Map<String, String> credentials) throws Exception {
        hlr.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(OK));
        try (RunningConnector connector = connector(credentials)) {
            assertThat(connector.postEvent(sample("sim-updated.json")).status()).isEqualTo(202);
        }
        return hlr.takeRequest(1, TimeUnit.SECONDS);
    }

    private RunningConnector connector(Map<String, String> credentials) {
        Map<String, String> env = new HashMap<>(credentials);
        env.put("HANDLERS", "hlr-hss");
        env.put("HLR_API_URL", hlr.url("/wtl/hlr/v1").toString());
        return RunningConnector.start(env);
    }
}
