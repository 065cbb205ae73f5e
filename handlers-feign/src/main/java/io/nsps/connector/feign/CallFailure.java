package io.nsps.connector.feign;

import io.nsps.connector.spi.HandlerException;

/**
 * Carries a failure out of Feign (whose interceptors and decoders may only throw unchecked
 * exceptions): an SPI failure already decided, or a status left to the caller or to the
 * credentials protocol. Unwrapped by {@link UpstreamClient}, never seen outside this package.
 */
final class CallFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The SPI failure, or null when {@link #status} is. */
    private final transient HandlerException failure;
    /** A status the caller decides, or a 401/403; null with a {@link #failure}. */
    private final transient UpstreamStatusException status;

    private CallFailure(HandlerException failure, UpstreamStatusException status) {
        super(failure != null ? failure.getMessage() : status.getMessage(), null, false, false);
        this.failure = failure;
        this.status = status;
    }

    static CallFailure of(HandlerException failure) {
        return new CallFailure(failure, null);
    }

    static CallFailure of(UpstreamStatusException status) {
        return new CallFailure(null, status);
    }

    HandlerException failure() {
        return failure;
    }

    UpstreamStatusException status() {
        return status;
    }
}
