package io.nsps.connector.auth;

/** Decides whether a Bearer token presented by the sender is acceptable. Implementations are thread-safe. */
public interface TokenVerifier {

    /** @return an empty string when the token is accepted, otherwise why not (safe to send back) */
    String rejectionReason(String token);
}
