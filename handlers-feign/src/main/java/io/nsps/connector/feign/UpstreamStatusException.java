package io.nsps.connector.feign;

/**
 * The external system answered a status whose meaning depends on the call, and which the handler
 * asked to decide itself ({@link UpstreamClient.Builder#statusesDecidedByCaller}): a 409 to an
 * insert may mean "already there, a retry", a 404 to a delete "already gone". Carries the status
 * and the upstream's error text, sanitised ({@link UpstreamErrors#sanitise}).
 */
public final class UpstreamStatusException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String upstreamError;
    private final transient String authorization;

    UpstreamStatusException(int status, String upstreamError, String authorization) {
        super("answered HTTP " + status, null, false, false);
        this.status = status;
        this.upstreamError = upstreamError;
        this.authorization = authorization;
    }

    public int status() {
        return status;
    }

    /** The upstream's {@code error} or {@code message} text, sanitised; empty when it gave none. */
    public String upstreamError() {
        return upstreamError;
    }

    /** ": " and the upstream's error text, or nothing: to append to a sentence. */
    public String detail() {
        return upstreamError.isEmpty() ? "" : ": " + upstreamError;
    }

    /** The Authorization header the refused request carried (for a 401/403). */
    String authorization() {
        return authorization;
    }
}
