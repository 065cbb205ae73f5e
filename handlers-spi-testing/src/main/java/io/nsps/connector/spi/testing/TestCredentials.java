package io.nsps.connector.spi.testing;

import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link UpstreamCredentials} for tests, behaving as the connector's own of each scheme. */
public final class TestCredentials {

    private TestCredentials() {
    }

    /** No credentials: {@code authorization()} is null. */
    public static UpstreamCredentials none() {
        return fixed("none", null);
    }

    /** {@code Basic base64(user:password)}, UTF-8. */
    public static UpstreamCredentials basic(String user, String password) {
        return fixed("basic", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code Bearer <token>}, static: a refusal is final (no re-send). */
    public static UpstreamCredentials bearer(String token) {
        return fixed("bearer", "Bearer " + token);
    }

    /**
     * Tokens that are renewed as OAuth2 tokens are: {@code Bearer <first>} until the external system
     * refuses it, then the next one. A refusal of an older token renews nothing (another call
     * renewed it already, as with the connector's single-flight renewal) but still answers true: the
     * current token differs, so a re-send is worth it. A refusal of the last token answers false.
     * {@link #refusals()} counts the refusals that renewed.
     */
    public static Renewing renewing(String... tokens) {
        return new Renewing(List.of(tokens));
    }

    /** Credentials whose token endpoint is down: every {@code authorization()} fails with a 503. */
    public static UpstreamCredentials unavailable() {
        return new UpstreamCredentials() {
            @Override
            public String scheme() {
                return "oauth2";
            }

            @Override
            public String authorization() throws HandlerException {
                throw new UpstreamUnavailableException("The token endpoint is unreachable", Duration.ofSeconds(30), null);
            }

            @Override
            public boolean refused(String authorization) {
                return false;
            }
        };
    }

    private static UpstreamCredentials fixed(String scheme, String authorization) {
        return new UpstreamCredentials() {
            @Override
            public String scheme() {
                return scheme;
            }

            @Override
            public String authorization() {
                return authorization;
            }

            @Override
            public boolean refused(String refused) {
                return false;
            }
        };
    }

    /** See {@link #renewing}. */
    public static final class Renewing implements UpstreamCredentials {
        private final List<String> tokens;
        private final AtomicInteger current = new AtomicInteger();
        private final AtomicInteger refusals = new AtomicInteger();

        private Renewing(List<String> tokens) {
            if (tokens.isEmpty()) {
                throw new IllegalArgumentException("at least one token");
            }
            this.tokens = tokens;
        }

        @Override
        public String scheme() {
            return "oauth2";
        }

        @Override
        public String authorization() {
            return "Bearer " + tokens.get(Math.min(current.get(), tokens.size() - 1));
        }

        @Override
        public synchronized boolean refused(String authorization) {
            if (!authorization.equals(authorization()) || current.get() >= tokens.size() - 1) {
                return !authorization.equals(authorization());
            }
            current.incrementAndGet();
            refusals.incrementAndGet();
            return true;
        }

        /** How many refusals renewed the token. */
        public int refusals() {
            return refusals.get();
        }
    }
}
