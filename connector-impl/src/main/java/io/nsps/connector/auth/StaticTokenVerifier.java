package io.nsps.connector.auth;

import io.nsps.connector.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Compares the presented token with every configured one (several during a rotation) in constant
 * time: both sides are hashed to SHA-256 first, so {@link MessageDigest#isEqual} compares equal
 * lengths whatever the token's length (its timing depends only on the first argument's length,
 * JDK-8295919), and every configured token is compared, so the timing does not reveal which matched.
 */
public final class StaticTokenVerifier implements TokenVerifier {

    private final List<byte[]> digests;

    public StaticTokenVerifier(List<Secret> tokens) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("at least one token is required");
        }
        this.digests = tokens.stream().map(t -> sha256(t.utf8())).toList();
    }

    @Override
    public String rejectionReason(String token) {
        byte[] presented = sha256(token.getBytes(StandardCharsets.UTF_8));
        boolean match = false;
        for (byte[] digest : digests) {
            match |= MessageDigest.isEqual(presented, digest);
        }
        return match ? "" : "Invalid access token";
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }
}
