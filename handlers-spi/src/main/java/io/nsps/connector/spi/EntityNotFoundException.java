package io.nsps.connector.spi;

/**
 * The entity the event refers to does not exist in the external system, and never will. Answered
 * 404, which NSPS never retries: for an entity that may still appear (an insert on its way), throw
 * {@link UpstreamUnavailableException} instead.
 */
public final class EntityNotFoundException extends HandlerException {

    private static final long serialVersionUID = 1L;

    public EntityNotFoundException(String message) {
        super(message, null);
    }
}
