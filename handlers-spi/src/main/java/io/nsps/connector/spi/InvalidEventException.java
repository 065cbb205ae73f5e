package io.nsps.connector.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The event can never be provisioned as sent (a field this handler needs is missing or malformed,
 * or the external system rejected its content). Answered 422: NSPS does not retry it.
 */
public final class InvalidEventException extends HandlerException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    /**
     * @param field the offending field by its JSON path, e.g. {@code pb_data.sim_info.imsi}
     * @param problem what is wrong with it, e.g. "is required"
     */
    public InvalidEventException(String field, String problem) {
        super(Objects.requireNonNull(field, "field is null") + ": " + Objects.requireNonNull(problem, "problem is null"), null);
        this.field = field;
        this.problem = problem;
    }

    /**
     * The external system refused the event's content (a 4xx, or a 2xx reporting failure): no
     * field of the event is to blame that the connector could name.
     */
    public static InvalidEventException rejectedUpstream(String reason) {
        return new InvalidEventException(Objects.requireNonNull(reason, "reason is null"));
    }

    private InvalidEventException(String reason) {
        super(reason, null);
        this.field = null;
        this.problem = null;
    }

    /** The offending field's JSON path, empty when the external system refused the content as a whole. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /**
     * What is wrong with {@link #field()}, empty when no field is named. The answer's {@code details}
     * carry the field and this problem.
     */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }
}
