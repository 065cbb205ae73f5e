package io.nsps.connector.credentials;

import io.nsps.connector.config.Secret;
import io.nsps.connector.spi.UpstreamCredentials;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** {@code none}, {@code basic} and {@code bearer}: a fixed header value, nothing to refresh. */
final class StaticCredentials implements UpstreamCredentials {

    private final String scheme;
    private final Secret authorization;

    private StaticCredentials(String scheme, Secret authorization) {
        this.scheme = scheme;
        this.authorization = authorization;
    }

    static StaticCredentials none() {
        return new StaticCredentials("none", null);
    }

    /** RFC 7617: {@code Basic base64(user ":" password)}, UTF-8. */
    static StaticCredentials basic(String username, Secret password) {
        String pair = username + ":" + password.reveal();
        return new StaticCredentials("basic", Secret.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))));
    }

    static StaticCredentials bearer(Secret token) {
        return new StaticCredentials("bearer", Secret.of("Bearer " + token.reveal()));
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String authorization() {
        return authorization == null ? null : authorization.reveal();
    }

    @Override
    public boolean refused(String refused) {
        return false;
    }

    @Override
    public String toString() {
        return "credentials[" + scheme + "]";
    }
}
