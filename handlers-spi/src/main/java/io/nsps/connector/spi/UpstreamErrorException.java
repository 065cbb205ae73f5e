package io.nsps.connector.spi;

/** The external system failed (a 5xx, an unexpected answer). Answered 500 {@code service_error}. */
public final class UpstreamErrorException extends HandlerException {

    private static final long serialVersionUID = 1L;

    public UpstreamErrorException(String message, Throwable cause) {
        super(message, cause);
    }
}
