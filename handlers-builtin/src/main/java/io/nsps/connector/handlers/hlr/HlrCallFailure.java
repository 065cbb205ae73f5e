package io.nsps.connector.handlers.hlr;

import io.nsps.connector.spi.HandlerException;

/**
 * Carries a {@link HandlerException} out of Feign (whose interceptors and decoders may only throw
 * unchecked exceptions); unwrapped by {@link HlrHssHandler}, never seen outside this package.
 */
final class HlrCallFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    HlrCallFailure(HandlerException cause) {
        super(cause.getMessage(), cause, false, false);
    }

    @Override
    public synchronized HandlerException getCause() {
        return (HandlerException) super.getCause();
    }
}
