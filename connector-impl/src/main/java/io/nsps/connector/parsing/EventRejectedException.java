package io.nsps.connector.parsing;

import io.nsps.connector.outcome.FieldProblem;
import java.util.List;
import java.util.Objects;

/**
 * A body that is not an acceptable event, and why, in words that may be sent back (built by
 * {@link EventParser}, never copied from a library's exception). The web layer decides the answer.
 */
public final class EventRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What kind of refusal. */
    public enum Kind {
        /** Not JSON at all, not UTF-8, beyond the parser's limits. */
        MALFORMED,
        /** JSON that violates the {@code Event} schema. */
        INVALID
    }

    private final Kind kind;
    private final String error;
    private final transient List<FieldProblem> details;
    private final String eventId;
    private final String eventType;

    EventRejectedException(Kind kind, String message, String error, List<FieldProblem> details) {
        this(kind, message, error, details, null, null);
    }

    EventRejectedException(Kind kind, String message, String error, List<FieldProblem> details, String eventId, String eventType) {
        super(Objects.requireNonNull(message, "message is null"), null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind is null");
        this.error = Objects.requireNonNull(error, "error is null");
        this.details = List.copyOf(details);
        this.eventId = eventId;
        this.eventType = eventType;
    }

    /** The event's {@code event_id} as the JSON gives it (a string), or null (not JSON, none, not a string). */
    public String eventId() {
        return eventId;
    }

    /** The event's {@code data.event_type} as the JSON gives it (a string), or null. */
    public String eventType() {
        return eventType;
    }

    public Kind kind() {
        return kind;
    }

    /** The sentence saying what is wrong. */
    public String error() {
        return error;
    }

    /** One entry per offending field (for {@link Kind#INVALID}). */
    public List<FieldProblem> details() {
        return details;
    }
}
