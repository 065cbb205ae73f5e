package io.nsps.connector.spi;

/** A handler cannot be created from its settings. The message names the setting. */
public final class HandlerConfigurationException extends Exception {

    private static final long serialVersionUID = 1L;

    public HandlerConfigurationException(String message) {
        super(message);
    }
}
