package io.nsps.connector.spi;

/**
 * The external system refused the connector's credentials (after one refresh and retry, where the
 * credentials can be refreshed). Answered 500 {@code authentication_error}: NSPS retries, and an
 * operator has to fix the credentials.
 */
public final class UpstreamAuthenticationException extends HandlerException {

    private static final long serialVersionUID = 1L;

    public UpstreamAuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
