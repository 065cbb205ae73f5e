package io.nsps.connector.spi;

import java.time.Duration;
import java.util.Optional;

/** The external system (or the connector's own limit for it) refuses more calls for now. Answered 429. */
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
