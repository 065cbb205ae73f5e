package io.nsps.connector.credentials;

import io.nsps.connector.config.Secret;
import io.nsps.connector.spi.UpstreamCredentials;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code jwt}: a JWT signed with the configured private key (smallrye-jwt-build), sent as a Bearer
 * token and reused until shortly before it expires (10% of its lifetime, at most 30 s). A refused
 * token is replaced by a newly signed one.
 */
final class SignedJwtCredentials implements UpstreamCredentials {

    private static final Duration MAX_RENEWAL_MARGIN = Duration.ofSeconds(30);

    private final PrivateKey key;
    private final SignatureAlgorithm algorithm;
    private final String issuer;
    private final String subject;
    private final String audience;
    private final Duration ttl;
    private final String keyId;
    private final Clock clock;
    private volatile Signed current;
    /** Told of every token signed ({@code ok}). */
    private final java.util.function.Consumer<String> renewals;

    private record Signed(Secret authorization, Instant renewAt) {
    }

    SignedJwtCredentials(PrivateKey key, SignatureAlgorithm algorithm, String issuer, String subject, String audience, Duration ttl,
                         String keyId, Clock clock, java.util.function.Consumer<String> renewals) {
        this.renewals = renewals;
        this.key = key;
        this.algorithm = algorithm;
        this.issuer = issuer;
        this.subject = subject;
        this.audience = audience;
        this.ttl = ttl;
        this.keyId = keyId;
        this.clock = clock;
    }

    @Override
    public String scheme() {
        return "jwt";
    }

    @Override
    public synchronized String authorization() {
        Signed signed = current;
        Instant now = clock.instant();
        if (signed == null || !now.isBefore(signed.renewAt())) {
            if (signed != null) {
                signed.authorization().forget();
            }
            signed = sign(now);
            current = signed;
            renewals.accept("ok");
        }
        return signed.authorization().reveal();
    }

    @Override
    public synchronized boolean refused(String authorization) {
        if (current != null && current.authorization().reveal().equals(authorization)) {
            current = null;
        }
        return true;
    }

    private Signed sign(Instant now) {
        JwtClaimsBuilder claims = Jwt.claims()
                .issuer(issuer)
                .audience(audience)
                .issuedAt(now)
                .expiresAt(now.plus(ttl))
                .claim("jti", UUID.randomUUID().toString());
        if (subject != null) {
            claims.subject(subject);
        }
        var signature = claims.jws().algorithm(algorithm);
        if (keyId != null) {
            signature.keyId(keyId);
        }
        String token = signature.sign(key);
        Duration margin = ttl.dividedBy(10).compareTo(MAX_RENEWAL_MARGIN) < 0 ? ttl.dividedBy(10) : MAX_RENEWAL_MARGIN;
        return new Signed(Secret.of("Bearer " + token), now.plus(ttl).minus(margin));
    }
}
