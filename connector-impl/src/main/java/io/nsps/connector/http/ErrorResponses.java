package io.nsps.connector.http;

import io.nsps.connector.model.ErrorDetail;
import io.nsps.connector.model.ErrorResponse;
import io.nsps.connector.model.ErrorType;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import io.nsps.connector.state.EventRecord;
import java.util.List;
import java.util.Map;

/** Builds every error answer of the connector: an {@code ErrorResponse} JSON body, never anything else. */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    public static Response of(ApiException e) {
        return of(e.status(), e.type(), e.getMessage(), e.error(), e.headers(), e.details());
    }

    /** A stored failure as the answer it was. */
    public static Response of(EventRecord failure) {
        return of(failure.status(), ErrorType.fromValue(failure.type()), failure.message(), failure.error(), failure.headers(),
                failure.details());
    }

    public static Response of(int status, ErrorType type, String message, String error) {
        return of(status, type, message, error, Map.of());
    }

    public static Response of(int status, ErrorType type, String message, String error, Map<String, String> headers) {
        return of(status, type, message, error, headers, List.of());
    }

    private static Response of(int status, ErrorType type, String message, String error, Map<String, String> headers,
                               List<EventRecord.FieldProblem> details) {
        ErrorResponse body = body(type, message, error);
        if (!details.isEmpty()) {
            body.setDetails(details.stream()
                    .map(d -> (ErrorDetail) ErrorDetail.builder().field(AnswerText.clean(d.field())).problem(AnswerText.clean(d.problem()))
                            .build())
                    .toList());
        }
        Response.ResponseBuilder response = Response.status(status, reasonPhrase(status))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body);
        headers.forEach(response::header);
        return response.build();
    }

    /** The body, its texts cleaned ({@link AnswerText}). */
    public static ErrorResponse body(ErrorType type, String message, String error) {
        return ErrorResponse.builder().type(type).message(AnswerText.clean(message)).error(AnswerText.clean(error)).build();
    }

    /** Grizzly knows no phrase for 422 and writes a bare status line without one. */
    private static String reasonPhrase(int status) {
        if (status == 422) {
            return "Unprocessable Content";
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return known != null ? known.getReasonPhrase() : "Error";
    }

    /** Retry-After in whole seconds, at least one. */
    public static String retryAfterSeconds(Duration delay) {
        long seconds = Math.max(1, (delay.toMillis() + 999) / 1000);
        return Long.toString(seconds);
    }
}
