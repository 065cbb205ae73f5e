package io.nsps.connector.outcome;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What became of one delivery of an event. The processing decides it; a state store keeps it, so
 * that a later delivery is answered alike (a {@link Done} one is never run again; the others are,
 * by the next delivery); the web layer turns it into the answer NSPS gets, in one place
 * ({@code web.Answers}). No HTTP status here.
 *
 * <p>Texts are bounded and storable anywhere ({@link Texts#storable}): they quote what the sender
 * and the external system sent, at any length.
 */
public sealed interface Outcome permits Outcome.Done, Outcome.Failed, Outcome.Deferred {

    /** Longest message or error kept. */
    int MAX_TEXT_CHARS = 1000;

    /** The sentence NSPS stores with the event and shows to operators. */
    String message();

    /** The event needs nothing more: it is never provisioned again. */
    record Done(Result result, String message) implements Outcome {

        public enum Result {
            /** The handlers provisioned it. */
            PROCESSED,
            /** No handler provisioned anything, deliberately (no handler takes its type, or each said why not). */
            IGNORED,
            /** Older than the last event applied to its subscriber: not applied. */
            STALE,
            /** Done by an earlier delivery: nothing was run. */
            DUPLICATE
        }

        public Done {
            Objects.requireNonNull(result, "result is null");
            message = Texts.storable(message, MAX_TEXT_CHARS);
        }
    }

    /**
     * Not provisioned, and kept as such: the next delivery runs it again. Whether NSPS sends one
     * depends on the failure: a permanent one is answered so that it does not.
     *
     * @param retryAfter how long the sender should wait, or null for the answer's default
     * @param details the offending fields, when the event is refused for them
     */
    record Failed(Failure failure, String message, String error, Duration retryAfter, List<FieldProblem> details) implements Outcome {

        public enum Failure {
            /** The event can never be provisioned as sent (its content, or the external system's verdict on it). */
            INVALID_EVENT,
            /** The entity the event names does not exist in the external system, for good. */
            ENTITY_NOT_FOUND,
            /** The external system refused the connector's credentials. */
            CREDENTIALS_REFUSED,
            /** The external system (or the connector's own limit for it) refuses more calls for now. */
            RATE_LIMITED,
            /** The external system failed (a 5xx, an unexpected answer). */
            UPSTREAM_FAILED,
            /** The external system could not be reached or did not answer in time. */
            UPSTREAM_UNAVAILABLE,
            /** A handler failed unexpectedly (a bug): nothing of it is told to the sender. */
            INTERNAL_ERROR
        }

        public Failed {
            Objects.requireNonNull(failure, "failure is null");
            message = Texts.storable(message, MAX_TEXT_CHARS);
            error = Texts.storable(error, MAX_TEXT_CHARS);
            details = details == null ? List.of() : List.copyOf(details);
        }

        public Failed(Failure failure, String message, String error) {
            this(failure, message, error, null, List.of());
        }
    }

    /** Not run now (kept as not done, so the next delivery runs it): the sender should come back soon. */
    record Deferred(Reason reason, String message, String error) implements Outcome {

        public enum Reason {
            /** Another delivery of the event is being processed. */
            IN_FLIGHT,
            /** Another event of the subscriber is being provisioned. */
            SUBSCRIBER_BUSY,
            /** The connector is stopping. */
            STOPPING
        }

        public Deferred {
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    /** Whether the event needs nothing more. */
    default boolean done() {
        return this instanceof Done;
    }
}
