package io.nsps.connector.credentials;

import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.config.Secret;
import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.spi.UpstreamCredentials;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.util.KeyUtils;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds a handler's {@link UpstreamCredentials} from {@code <P>_AUTH} and the settings of that
 * scheme, recording every missing or contradictory setting (a setting of another scheme is a
 * contradiction: it means the operator believes a different scheme is in force).
 */
public final class CredentialsFactory {

    public enum Scheme { NONE, BASIC, BEARER, OAUTH2, JWT }

    private enum Grant { CLIENT_CREDENTIALS, PASSWORD }

    private enum JwtAlgorithm { RS256, ES256 }

    /** The settings each scheme reads; anything else set under these names contradicts the scheme. */
    private static final Map<Scheme, Set<String>> SETTINGS = Map.of(
            Scheme.NONE, Set.of(),
            Scheme.BASIC, Set.of("USERNAME", "PASSWORD"),
            Scheme.BEARER, Set.of("TOKEN"),
            Scheme.OAUTH2, Set.of("OAUTH_TOKEN_URL", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPE", "OAUTH_GRANT",
                    "OAUTH_TIMEOUT", "USERNAME", "PASSWORD"),
            Scheme.JWT, Set.of("JWT_PRIVATE_KEY", "JWT_ALG", "JWT_ISSUER", "JWT_SUBJECT", "JWT_AUDIENCE", "JWT_TTL", "JWT_KEY_ID"));
    private static final List<String> ALL_SETTINGS = SETTINGS.values().stream().flatMap(Set::stream).distinct().sorted().toList();

    private CredentialsFactory() {
    }

    /** No credentials ({@code <P>_AUTH=none}). */
    public static UpstreamCredentials none() {
        return StaticCredentials.none();
    }

    public static UpstreamCredentials create(String prefix, EnvironmentReader reader, Clock clock) {
        return create(prefix, reader, clock, result -> { });
    }

    /**
     * @param renewals told of every token grant or refresh and JWT signature: {@code ok},
     *     {@code refused} (the token endpoint refused the grant) or {@code failed}
     */
    public static UpstreamCredentials create(String prefix, EnvironmentReader reader, Clock clock, Consumer<String> renewals) {
        Scheme scheme = reader.choice(prefix + "AUTH", Scheme.class, Scheme.NONE);
        for (String setting : ALL_SETTINGS) {
            boolean set = reader.isSet(prefix + setting) || reader.isSet(prefix + setting + "_FILE");
            if (set && !SETTINGS.get(scheme).contains(setting)) {
                reader.problem(prefix + setting + " is set but " + prefix + "AUTH is " + scheme.name().toLowerCase(Locale.ROOT)
                        + "; remove it or set " + prefix + "AUTH");
            }
        }
        return switch (scheme) {
            case NONE -> StaticCredentials.none();
            case BASIC -> {
                String username = reader.require(prefix + "USERNAME");
                Optional<String> password = requiredSecret(reader, prefix + "PASSWORD");
                yield username == null || password.isEmpty() ? StaticCredentials.none()
                        : StaticCredentials.basic(username, Secret.of(password.get()));
            }
            case BEARER -> requiredSecret(reader, prefix + "TOKEN").map(t -> StaticCredentials.bearer(Secret.of(t)))
                    .orElse(StaticCredentials.none());
            case OAUTH2 -> oauth2(prefix, reader, clock, renewals);
            case JWT -> jwt(prefix, reader, clock, renewals);
        };
    }

    private static UpstreamCredentials oauth2(String prefix, EnvironmentReader reader, Clock clock, Consumer<String> renewals) {
        URI tokenUrl = httpUrl(reader, prefix + "OAUTH_TOKEN_URL");
        String clientId = reader.require(prefix + "OAUTH_CLIENT_ID");
        Optional<String> clientSecret = requiredSecret(reader, prefix + "OAUTH_CLIENT_SECRET");
        String scope = reader.get(prefix + "OAUTH_SCOPE").orElse(null);
        Grant grant = reader.choice(prefix + "OAUTH_GRANT", Grant.class, Grant.CLIENT_CREDENTIALS);
        Duration timeout = reader.duration(prefix + "OAUTH_TIMEOUT", Duration.ofSeconds(5), Duration.ofMillis(100));
        String username = null;
        Optional<String> password = Optional.empty();
        if (grant == Grant.PASSWORD) {
            username = reader.require(prefix + "USERNAME");
            password = requiredSecret(reader, prefix + "PASSWORD");
        } else if (reader.isSet(prefix + "USERNAME") || reader.isSet(prefix + "PASSWORD") || reader.isSet(prefix + "PASSWORD_FILE")) {
            reader.problem(prefix + "USERNAME and " + prefix + "PASSWORD are used by the password grant only; "
                    + "set " + prefix + "OAUTH_GRANT=password or remove them");
        }
        if (tokenUrl == null || clientId == null || clientSecret.isEmpty() || grant == Grant.PASSWORD && (username == null || password.isEmpty())) {
            return StaticCredentials.none();
        }
        var authorizationGrant = grant == Grant.PASSWORD
                ? OAuth2TokenProvider.password(username, Secret.of(password.get()))
                : OAuth2TokenProvider.clientCredentials();
        return new OAuth2TokenProvider(prefix, tokenUrl, clientId, Secret.of(clientSecret.get()), scope, authorizationGrant, timeout, clock,
                renewals);
    }

    private static UpstreamCredentials jwt(String prefix, EnvironmentReader reader, Clock clock, Consumer<String> renewals) {
        String keyFile = reader.require(prefix + "JWT_PRIVATE_KEY");
        JwtAlgorithm algorithm = reader.choice(prefix + "JWT_ALG", JwtAlgorithm.class, JwtAlgorithm.RS256, Enum::name);
        String issuer = reader.require(prefix + "JWT_ISSUER");
        String audience = reader.require(prefix + "JWT_AUDIENCE");
        String subject = reader.get(prefix + "JWT_SUBJECT").orElse(null);
        String keyId = reader.get(prefix + "JWT_KEY_ID").orElse(null);
        Duration ttl = reader.duration(prefix + "JWT_TTL", Duration.ofMinutes(5));
        if (ttl.compareTo(Duration.ofSeconds(10)) < 0) {
            reader.problem(prefix + "JWT_TTL: at least 10s");
        }
        if (keyFile == null || issuer == null || audience == null) {
            return StaticCredentials.none();
        }
        SignatureAlgorithm signatureAlgorithm = SignatureAlgorithm.valueOf(algorithm.name());
        PrivateKey key;
        try {
            String pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
            Secret.of(pem.strip());
            key = KeyUtils.decodePrivateKey(pem, signatureAlgorithm);
        } catch (IOException | RuntimeException e) {
            reader.problem(prefix + "JWT_PRIVATE_KEY: cannot read " + keyFile);
            return StaticCredentials.none();
        } catch (GeneralSecurityException e) {
            reader.problem(prefix + "JWT_PRIVATE_KEY: " + keyFile + " is not a PKCS#8 PEM private key for " + algorithm);
            return StaticCredentials.none();
        }
        return new SignedJwtCredentials(key, signatureAlgorithm, issuer, subject, audience, ttl, keyId, clock, renewals);
    }

    private static Optional<String> requiredSecret(EnvironmentReader reader, String name) {
        Optional<String> value = reader.secret(name);
        if (value.isEmpty() && !reader.isSet(name + "_FILE")) {
            reader.problem(name + " (or " + name + "_FILE) is required");
        }
        return value;
    }

    /** An absolute http(s) URL ({@link ConfigValues#parseHttpUrl}), or null with the problem recorded. */
    public static URI httpUrl(EnvironmentReader reader, String name) {
        String text = reader.require(name);
        if (text == null) {
            return null;
        }
        try {
            return ConfigValues.parseHttpUrl(text);
        } catch (IllegalArgumentException e) {
            reader.problem(name + ": " + e.getMessage());
            return null;
        }
    }
}
