package io.nsps.connector.spi;

/** The entity the event refers to does not exist in the external system. Answered 404. */
public final class EntityNotFoundException extends HandlerException {

    private static final long serialVersionUID = 1L;

    public EntityNotFoundException(String message) {
        super(message, null);
    }
}
