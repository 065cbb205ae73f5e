package io.nsps.connector.handlers.hlr;

/**
 * The HLR answered a non-2xx status. Raised by {@link HlrErrorDecoder}; the handler decides what it
 * means for the step (a 409 to an insert, a 404 to a delete are expected answers to retries).
 */
final class HlrStatusException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String upstreamError;
    private final String authorization;

    HlrStatusException(int status, String upstreamError, String authorization) {
        super("HLR answered " + status, null, false, false);
        this.status = status;
        this.upstreamError = upstreamError;
        this.authorization = authorization;
    }

    int status() {
        return status;
    }

    /** The upstream's error text, sanitised; may be empty. */
    String upstreamError() {
        return upstreamError;
    }

    /** The Authorization header the refused request carried (for 401/403). */
    String authorization() {
        return authorization;
    }
}
