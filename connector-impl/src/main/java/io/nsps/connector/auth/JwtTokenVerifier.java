package io.nsps.connector.auth;

import io.nsps.connector.config.ConnectorConfig.JwtSettings;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AUTH_MODE=jwt}: the Bearer token is a JWT verified by smallrye-jwt against the configured
 * public key, with exactly one accepted algorithm (so {@code alg: none} and HS256-signed-with-the-
 * public-key are refused), and with expiry, not-before, issuer and audience checked.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(JwtTokenVerifier.class);

    private final DefaultJWTParser parser;

    public JwtTokenVerifier(JwtSettings settings) {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setPublicKeyContent(settings.publicKeyPem());
        info.setIssuedBy(settings.issuer());
        info.setExpectedAudience(Set.of(settings.audience()));
        info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.valueOf(settings.algorithm().name())));
        info.setClockSkew((int) settings.clockSkew().toSeconds());
        // Tokens without a subject are fine: NSPS is one caller, identified by the key.
        info.setRequireNamedPrincipal(false);
        this.parser = new DefaultJWTParser(info);
    }

    @Override
    public String rejectionReason(String token) {
        try {
            parser.parse(token);
            return "";
        } catch (ParseException | RuntimeException e) {
            // The parser's message names what failed (expiry, issuer, signature); it is logged at
            // debug only, and the client learns just that the token was refused.
            LOG.debug("JWT refused: {}", e.getMessage());
            return "Invalid access token";
        }
    }
}
