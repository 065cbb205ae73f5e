package io.nsps.connector.spi;

import java.util.Objects;

/**
 * The event can never be provisioned as sent (a field this handler needs is missing or malformed,
 * or the external system rejected its content). Answered 422: NSPS does not retry it.
 */
public final class InvalidEventException extends HandlerException {

    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field the offending field by its JSON path, e.g. {@code pb_data.sim_info.imsi}
     * @param problem what is wrong with it, e.g. "is required"
     */
    public InvalidEventException(String field, String problem) {
        super(Objects.requireNonNull(field, "field is null") + ": " + Objects.requireNonNull(problem, "problem is null"), null);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
