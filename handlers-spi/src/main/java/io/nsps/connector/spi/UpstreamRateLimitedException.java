package io.nsps.connector.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * The external system (or the connector's own limit for it) refuses more calls for now. Answered
 * 503 with {@code Retry-After} and type {@code rate_limit_error}, so NSPS retries the event (429
 * when the operator sets {@code UPSTREAM_RATE_LIMIT_STATUS=429}).
 */
public final class UpstreamRateLimitedException extends HandlerException {

    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    /** @param retryAfter how long to wait, or {@code null} when unknown */
    public UpstreamRateLimitedException(String message, Duration retryAfter) {
        super(message, null);
        this.retryAfter = retryAfter;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
