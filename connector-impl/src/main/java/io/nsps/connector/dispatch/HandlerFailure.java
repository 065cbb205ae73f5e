package io.nsps.connector.dispatch;

import io.nsps.connector.spi.HandlerException;

/** A handler's {@link HandlerException}, with the name of the handler that raised it. */
public final class HandlerFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final String handlerName;

    public HandlerFailure(String handlerName, HandlerException cause) {
        super(cause.getMessage(), cause, false, false);
        this.handlerName = handlerName;
    }

    public String handlerName() {
        return handlerName;
    }

    @Override
    public synchronized HandlerException getCause() {
        return (HandlerException) super.getCause();
    }
}
