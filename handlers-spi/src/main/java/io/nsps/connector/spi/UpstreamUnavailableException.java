package io.nsps.connector.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * The external system could not be reached or did not answer in time (refused connection, DNS or
 * TLS failure, timeout). Answered 503 {@code connection_error} with {@code Retry-After}.
 */
public final class UpstreamUnavailableException extends HandlerException {

    private static final long serialVersionUID = 1L;

    /** The Retry-After of the 503 when the handler names none. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(30);

    private final transient Duration retryAfter;

    /** @param retryAfter how long to wait, or {@code null} for {@link #DEFAULT_RETRY_AFTER} */
    public UpstreamUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
