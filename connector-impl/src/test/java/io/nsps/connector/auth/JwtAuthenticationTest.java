package io.nsps.connector.auth;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.RunningConnector;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code AUTH_MODE=jwt}: only RS256 tokens from the configured key, issuer and audience, in their lifetime. */
final class JwtAuthenticationTest {

    private static final String ISSUER = "https://nsps.example/issuer";
    private static final String AUDIENCE = "nsps-connector";

    @TempDir
    static Path keys;

    private static KeyPair rsa;
    private static String publicPem;
    private static RunningConnector connector;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        publicPem = pem(rsa.getPublic());
        Path keyFile = keys.resolve("nsps-public.pem");
        Files.writeString(keyFile, publicPem);
        connector = RunningConnector.start(Map.of(
                "AUTH_MODE", "jwt",
                "API_TOKEN", "",
                "JWT_PUBLIC_KEY", keyFile.toString(),
                "JWT_ISSUER", ISSUER,
                "JWT_AUDIENCE", AUDIENCE,
                "JWT_CLOCK_SKEW", "0s"));
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @Test
    void validTokenIsAccepted() {
        String token = Jwt.issuer(ISSUER).audience(AUDIENCE).expiresAt(Instant.now().plusSeconds(300)).sign(rsa.getPrivate());

        assertThat(post(token).status()).isEqualTo(202);
    }

    @Test
    void expiredTokenIsRefused() {
        String token = Jwt.issuer(ISSUER).audience(AUDIENCE).issuedAt(Instant.now().minusSeconds(600))
                .expiresAt(Instant.now().minusSeconds(60)).sign(rsa.getPrivate());

        assertRefused(post(token));
    }

    @Test
    void tokenNotYetValidIsRefused() {
        String token = Jwt.issuer(ISSUER).audience(AUDIENCE).claim("nbf", Instant.now().plusSeconds(600).getEpochSecond())
                .expiresAt(Instant.now().plusSeconds(900)).sign(rsa.getPrivate());

        assertRefused(post(token));
    }

    @Test
    void wrongIssuerOrAudienceIsRefused() {
        Instant expiry = Instant.now().plusSeconds(300);

        assertRefused(post(Jwt.issuer("https://evil.example").audience(AUDIENCE).expiresAt(expiry).sign(rsa.getPrivate())));
        assertRefused(post(Jwt.issuer(ISSUER).audience("someone-else").expiresAt(expiry).sign(rsa.getPrivate())));
    }

    @Test
    void tokenSignedByAnotherKeyIsRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair other = generator.generateKeyPair();

        assertRefused(post(Jwt.issuer(ISSUER).audience(AUDIENCE).expiresAt(Instant.now().plusSeconds(300)).sign(other.getPrivate())));
    }

    @Test
    void otherAlgorithmsThanThePinnedOneAreRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair ec = generator.generateKeyPair();
        String es256 = Jwt.issuer(ISSUER).audience(AUDIENCE).expiresAt(Instant.now().plusSeconds(300))
                .jws().algorithm(SignatureAlgorithm.ES256).sign(ec.getPrivate());

        assertRefused(post(es256));
    }

    @Test
    void unsignedTokenIsRefused() {
        String payload = claims();
        String none = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".";

        assertRefused(post(none));
    }

    @Test
    void hmacSignedWithThePublicKeyIsRefused() throws Exception {
        String signingInput = base64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + claims();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(publicPem.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        String forged = signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));

        assertRefused(post(forged));
    }

    @Test
    void aTokenWithoutIssuedAtIsRefused() throws Exception {
        long now = Instant.now().getEpochSecond();
        String signingInput = base64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "."
                + base64("{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + (now + 300) + "}");
        java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
        rs256.initSign(rsa.getPrivate());
        rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        String token = signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());

        // MicroProfile JWT requires iat (smallrye-jwt applies it): docs/behaviour.md says so.
        assertRefused(post(token));
    }

    @Test
    void garbageIsRefused() {
        assertRefused(post("not.a.jwt"));
        assertRefused(post("abc"));
    }

    private static void assertRefused(HttpAnswer answer) {
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("type").asText()).isEqualTo("authentication_error");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }

    private static String claims() {
        long now = Instant.now().getEpochSecond();
        return base64("{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"iat\":" + now + ",\"exp\":" + (now + 300) + "}");
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    private static HttpAnswer post(String token) {
        return connector.send(HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sample("minimal-valid.json"))));
    }
}
