package io.nsps.connector.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.testing.TestClock;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static and signed-JWT credentials, and the start-up checks of every scheme's settings. */
final class CredentialsFactoryTest {

    @TempDir
    Path dir;

    private final List<String> problems = new ArrayList<>();
    private final TestClock clock = TestClock.now();

    @Test
    void noneSendsNothing() throws Exception {
        UpstreamCredentials credentials = create(Map.of());

        assertThat(credentials.scheme()).isEqualTo("none");
        assertThat(credentials.authorization()).isNull();
        assertThat(problems).isEmpty();
    }

    @Test
    void basicIsRfc7617Utf8() throws Exception {
        UpstreamCredentials credentials = create(Map.of("X_AUTH", "basic", "X_USERNAME", "provisioner", "X_PASSWORD", "pässwörd:1"));

        assertThat(credentials.authorization()).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("provisioner:pässwörd:1".getBytes(StandardCharsets.UTF_8)));
        assertThat(credentials.refused(credentials.authorization())).as("static credentials are not worth a re-send").isFalse();
    }

    @Test
    void bearerTokenCanComeFromAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "file-token-123\n");

        UpstreamCredentials credentials = create(Map.of("X_AUTH", "bearer", "X_TOKEN_FILE", file.toString()));

        assertThat(credentials.authorization()).isEqualTo("Bearer file-token-123");
    }

    @Test
    void missingAndContradictorySettingsAreAllReported() {
        create(Map.of("X_AUTH", "oauth2", "X_OAUTH_TOKEN_URL", "ftp://idp", "X_TOKEN", "t", "X_USERNAME", "u",
                "X_JWT_ISSUER", "me"));

        assertThat(problems).containsExactlyInAnyOrder(
                "X_JWT_ISSUER is set but X_AUTH is oauth2; remove it or set X_AUTH",
                "X_TOKEN is set but X_AUTH is oauth2; remove it or set X_AUTH",
                "X_OAUTH_TOKEN_URL: 'ftp://idp' is not an http(s) URL like https://host:port/base/path",
                "X_OAUTH_CLIENT_ID is required",
                "X_OAUTH_CLIENT_SECRET (or X_OAUTH_CLIENT_SECRET_FILE) is required",
                "X_USERNAME and X_PASSWORD are used by the password grant only; set X_OAUTH_GRANT=password or remove them");
    }

    @Test
    void passwordGrantNeedsUserAndPassword() {
        create(Map.of("X_AUTH", "oauth2", "X_OAUTH_TOKEN_URL", "https://idp.example/token", "X_OAUTH_CLIENT_ID", "c",
                "X_OAUTH_CLIENT_SECRET", "s", "X_OAUTH_GRANT", "password"));

        assertThat(problems).containsExactlyInAnyOrder("X_USERNAME is required", "X_PASSWORD (or X_PASSWORD_FILE) is required");
    }

    @Test
    void unknownSchemeIsReported() {
        create(Map.of("X_AUTH", "kerberos"));

        assertThat(problems).containsExactly("X_AUTH: 'kerberos' is not one of none, basic, bearer, oauth2, jwt");
    }

    @Test
    void jwtIsSignedWithTheKeyCarriesTheClaimsAndIsReusedUntilNearExpiry() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Path privateKey = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        UpstreamCredentials credentials = create(Map.of("X_AUTH", "jwt", "X_JWT_PRIVATE_KEY", privateKey.toString(),
                "X_JWT_ISSUER", "nsps-connector", "X_JWT_SUBJECT", "provisioning", "X_JWT_AUDIENCE", "hlr", "X_JWT_TTL", "2m",
                "X_JWT_KEY_ID", "key-2026"));
        assertThat(problems).isEmpty();

        String first = credentials.authorization();
        String again = credentials.authorization();
        clock.advance(Duration.ofSeconds(110)); // past 120 s less the 10% renewal margin
        String renewed = credentials.authorization();

        assertThat(first).startsWith("Bearer ").isEqualTo(again);
        assertThat(renewed).isNotEqualTo(first);
        JWTAuthContextInfo verification = new JWTAuthContextInfo(keys.getPublic(), "nsps-connector");
        verification.setExpectedAudience(Set.of("hlr"));
        JsonWebToken token = new DefaultJWTParser(verification).parse(first.substring("Bearer ".length()));
        assertThat(token.getSubject()).isEqualTo("provisioning");
        assertThat(token.getExpirationTime() - token.getIssuedAtTime()).isEqualTo(120);
        String header = new String(Base64.getUrlDecoder().decode(first.substring(7).split("\\.")[0]), StandardCharsets.UTF_8);
        assertThat(header).contains("\"kid\":\"key-2026\"").contains("\"alg\":\"RS256\"");
        assertThat(credentials.refused(renewed)).isTrue();
        assertThat(credentials.authorization()).isNotEqualTo(renewed);
    }

    @Test
    void unreadableJwtKeyIsReported() {
        create(Map.of("X_AUTH", "jwt", "X_JWT_PRIVATE_KEY", dir.resolve("missing.pem").toString(), "X_JWT_ISSUER", "i",
                "X_JWT_AUDIENCE", "a"));

        assertThat(problems).singleElement().asString().startsWith("X_JWT_PRIVATE_KEY: cannot read");
    }

    private UpstreamCredentials create(Map<String, String> env) {
        return CredentialsFactory.create("X_", new EnvironmentReader(env, problems), clock);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
