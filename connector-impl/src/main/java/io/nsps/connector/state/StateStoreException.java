package io.nsps.connector.state;

/** The state store failed (database unreachable, ...): the event is answered 503 and NSPS retries it. */
public final class StateStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StateStoreException(String doing, Throwable cause) {
        super("state store failed while " + doing, cause);
    }
}
