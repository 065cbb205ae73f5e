package io.nsps.connector.web;

import io.nsps.connector.model.ErrorType;
import io.nsps.connector.outcome.FieldProblem;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request the connector refuses, with the answer it gets: thrown by filters and the body reader,
 * turned into an {@code ErrorResponse} by {@link ConnectorExceptionMapper}. The texts are sent to
 * the client: they never hold secrets, class names or input echoed at length.
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final ErrorType type;
    private final String error;
    private final transient Map<String, String> headers;
    private final transient List<FieldProblem> details;

    public ApiException(int status, ErrorType type, String message, String error) {
        this(status, type, message, error, Map.of());
    }

    public ApiException(int status, ErrorType type, String message, String error, Map<String, String> headers) {
        this(status, type, message, error, headers, List.of());
    }

    /** @param details the offending fields, for a refusal about the event's fields */
    public ApiException(int status, ErrorType type, String message, String error, Map<String, String> headers,
                        List<FieldProblem> details) {
        super(Objects.requireNonNull(message, "message is null"), null, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type is null");
        this.error = Objects.requireNonNull(error, "error is null");
        this.headers = Map.copyOf(headers);
        this.details = List.copyOf(details);
    }

    public int status() {
        return status;
    }

    public ErrorType type() {
        return type;
    }

    public String error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public List<FieldProblem> details() {
        return details;
    }
}
