package io.nsps.connector.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.ErrorDetail;
import io.nsps.connector.model.ErrorResponse;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.EventResponse;
import io.nsps.connector.outcome.FieldProblem;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.parsing.EventRejectedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every answer the connector gives, decided here and nowhere else: an event's {@link Outcome}, a
 * request refused ({@link ApiException}), and the answers the server writes by itself (protocol
 * errors, capacity refusals). Statuses follow NSPS's retry rule: PortaBilling drops an event answered
 * 4xx and re-sends anything else, so a 4xx only for what can never succeed as sent
 * (docs/behaviour.md has the table, with why each 4xx is permanent). Bodies are
 * {@code EventResponse} or {@code ErrorResponse} JSON, their texts cleaned ({@link AnswerText}).
 */
public final class Answers {

    /** Retry-After, in seconds, of every refusal for capacity (admission, a full worker queue, shutdown). */
    public static final String CAPACITY_RETRY_AFTER = "5";
    static final Duration DEFAULT_RATE_LIMIT_RETRY = Duration.ofSeconds(60);
    static final Duration DEFERRED_RETRY = Duration.ofSeconds(5);

    private final int rateLimitStatus;

    /**
     * @param rateLimitStatus the status of an upstream rate limit: 503 (the default:
     *     {@code rate_limit_error}, but a status NSPS retries) or 429 ({@code UPSTREAM_RATE_LIMIT_STATUS})
     */
    public Answers(int rateLimitStatus) {
        if (rateLimitStatus != 503 && rateLimitStatus != 429) {
            throw new IllegalArgumentException("an upstream rate limit is answered 503 or 429, not " + rateLimitStatus);
        }
        this.rateLimitStatus = rateLimitStatus;
    }

    /** The answer to a delivery with this outcome. */
    public Response event(Outcome outcome) {
        if (outcome instanceof Outcome.Done done) {
            return Response.accepted(EventResponse.builder().message(AnswerText.clean(done.message())).build())
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .build();
        }
        if (outcome instanceof Outcome.Deferred deferred) {
            return error(503, ErrorType.CONNECTION_ERROR, deferred.message(), deferred.error(), retryAfter(DEFERRED_RETRY), List.of());
        }
        Outcome.Failed failed = (Outcome.Failed) outcome;
        return switch (failed.failure()) {
            case INVALID_EVENT -> error(422, ErrorType.VALIDATION_ERROR, failed.message(), failed.error(), Map.of(), failed.details());
            case ENTITY_NOT_FOUND -> error(404, ErrorType.VALIDATION_ERROR, failed.message(), failed.error(), Map.of(), failed.details());
            case CREDENTIALS_REFUSED -> error(500, ErrorType.AUTHENTICATION_ERROR, failed.message(), failed.error(), Map.of(), List.of());
            case RATE_LIMITED -> error(rateLimitStatus, ErrorType.RATE_LIMIT_ERROR, failed.message(), failed.error(),
                    retryAfter(failed.retryAfter() == null ? DEFAULT_RATE_LIMIT_RETRY : failed.retryAfter()), List.of());
            case UPSTREAM_FAILED -> error(500, ErrorType.SERVICE_ERROR, failed.message(), failed.error(), Map.of(), List.of());
            case UPSTREAM_UNAVAILABLE -> error(503, ErrorType.CONNECTION_ERROR, failed.message(), failed.error(),
                    retryAfter(failed.retryAfter() == null ? UpstreamUnavailableException.DEFAULT_RETRY_AFTER : failed.retryAfter()), List.of());
            case INTERNAL_ERROR -> error(500, ErrorType.INTERNAL_ERROR, failed.message(), failed.error(), Map.of(), List.of());
        };
    }

    /** The outcome as the access line's {@code outcome}: the result of a done event, {@code failed}, or why it was deferred. */
    public static String label(Outcome outcome) {
        if (outcome instanceof Outcome.Done done) {
            return done.result().name().toLowerCase(Locale.ROOT);
        }
        if (outcome instanceof Outcome.Deferred deferred) {
            return deferred.reason().name().toLowerCase(Locale.ROOT);
        }
        return "failed";
    }

    /** A request refused before its event was processed. */
    public static Response refusal(ApiException e) {
        return error(e.status(), e.type(), e.getMessage(), e.error(), e.headers(), e.details());
    }

    /** A body that is not an acceptable event: malformed (400) or against the schema (422, with its details). */
    public static Response rejected(EventRejectedException e) {
        int status = e.kind() == EventRejectedException.Kind.MALFORMED ? 400 : 422;
        return error(status, ErrorType.VALIDATION_ERROR, e.getMessage(), e.error(), Map.of(), e.details());
    }

    public static Response error(int status, ErrorType type, String message, String error) {
        return error(status, type, message, error, Map.of(), List.of());
    }

    public static Response error(int status, ErrorType type, String message, String error, Map<String, String> headers) {
        return error(status, type, message, error, headers, List.of());
    }

    private static Response error(int status, ErrorType type, String message, String error, Map<String, String> headers,
                                  List<FieldProblem> details) {
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

    /**
     * The JSON body of an answer the server gives by itself, before Jersey sees the request: a
     * malformed request (400, {@code error} saying why), one too large (413/431), or any other
     * status Grizzly chose.
     */
    public static byte[] protocolAnswer(ObjectMapper mapper, int status, String error) {
        String message = switch (status) {
            case 400 -> "Malformed HTTP request";
            case 405 -> "Method not allowed";
            case 413, 431 -> "Request too large";
            case 503 -> "The connector is shutting down; retry later";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
        String why = error != null ? error : switch (status) {
            case 413, 431 -> "The request exceeds the size limits";
            case 503 -> "Service unavailable";
            default -> "HTTP " + status;
        };
        return errorJson(mapper, status, message, why);
    }

    /**
     * An {@code ErrorResponse} as JSON, for answers written outside Jersey (the server's own, the
     * management port's): its {@code type} follows from the status ({@code authentication_error}
     * for 401 and 403, {@code connection_error} for 503, {@code internal_error} for other 5xx,
     * {@code validation_error} otherwise), its texts cleaned.
     */
    public static byte[] errorJson(ObjectMapper mapper, int status, String message, String error) {
        ErrorType type = status == 401 || status == 403 ? ErrorType.AUTHENTICATION_ERROR
                : status == 503 ? ErrorType.CONNECTION_ERROR : status >= 500 ? ErrorType.INTERNAL_ERROR : ErrorType.VALIDATION_ERROR;
        return json(mapper, body(type, message, error));
    }

    /** The body of a request refused because every worker is busy and the worker queue is full. */
    public static byte[] noWorkerAnswer(ObjectMapper mapper) {
        return json(mapper, body(ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later", "Too many requests waiting for a worker"));
    }

    /** The health document while draining, for a health check Grizzly refuses itself during shutdown. */
    public static byte[] drainingHealthAnswer(ObjectMapper mapper) {
        return json(mapper, HealthCheck.DRAINING);
    }

    /** One of the generated models, which always serialise. */
    private static byte[] json(ObjectMapper mapper, Object body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a " + body.getClass().getSimpleName() + " always serialises", e);
        }
    }

    /** Grizzly knows no phrase for 422 and writes a bare status line without one. */
    private static String reasonPhrase(int status) {
        if (status == 422) {
            return "Unprocessable Content";
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return known != null ? known.getReasonPhrase() : "Error";
    }

    private static Map<String, String> retryAfter(Duration delay) {
        return Map.of(HttpHeaders.RETRY_AFTER, retryAfterSeconds(delay));
    }

    /** Retry-After in whole seconds, at least one. */
    static String retryAfterSeconds(Duration delay) {
        long seconds = Math.max(1, (delay.toMillis() + 999) / 1000);
        return Long.toString(seconds);
    }
}
