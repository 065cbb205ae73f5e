package io.nsps.connector.spi;

import java.util.Objects;

/**
 * The successful outcome of {@link EventHandler#handle}. Both outcomes are answered 202: the event
 * must not be re-sent. The message is stored by NSPS and shown to operators.
 */
public record HandlerResult(Outcome outcome, String message) {

    public enum Outcome {
        /** The external system was provisioned (or already was in the requested state). */
        PROCESSED,
        /** The event is deliberately not provisioned; the message says why. */
        IGNORED
    }

    public HandlerResult {
        Objects.requireNonNull(outcome, "outcome is null");
        Objects.requireNonNull(message, "message is null");
    }

    public static HandlerResult processed(String message) {
        return new HandlerResult(Outcome.PROCESSED, message);
    }

    public static HandlerResult ignored(String reason) {
        return new HandlerResult(Outcome.IGNORED, reason);
    }
}
