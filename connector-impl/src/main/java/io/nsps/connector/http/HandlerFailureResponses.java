package io.nsps.connector.http;

import io.nsps.connector.dispatch.HandlerFailure;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.spi.EntityNotFoundException;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import io.nsps.connector.state.EventRecord;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The one mapping from a handler's failure to the answer NSPS gets. NSPS drops an event answered
 * 4xx and retries anything else, so only failures that can never succeed as sent are 4xx. An
 * upstream rate limit is transient: 503 with type {@code rate_limit_error} and the upstream's
 * Retry-After by default ({@code UPSTREAM_RATE_LIMIT_STATUS=429} for an NSPS known to retry a 429).
 * The answer is an {@link EventRecord}, so the same one can be given to concurrent deliveries.
 */
public final class HandlerFailureResponses {

    static final Duration DEFAULT_RATE_LIMIT_RETRY = Duration.ofSeconds(60);
    static final Duration DEFAULT_UNAVAILABLE_RETRY = Duration.ofSeconds(30);

    private final int rateLimitStatus;

    /** @param rateLimitStatus the status of an upstream rate limit: 503 (the default) or 429 */
    public HandlerFailureResponses(int rateLimitStatus) {
        if (rateLimitStatus != 503 && rateLimitStatus != 429) {
            throw new IllegalArgumentException("an upstream rate limit is answered 503 or 429, not " + rateLimitStatus);
        }
        this.rateLimitStatus = rateLimitStatus;
    }

    public EventRecord toRecord(HandlerFailure failure) {
        HandlerException cause = failure.getCause();
        String handler = failure.handlerName();
        String detail = cause.getMessage() == null ? "no detail" : cause.getMessage();
        // The permitted subclasses are final and listed here one by one: a new one fails review, not production.
        if (cause instanceof InvalidEventException invalid) {
            List<EventRecord.FieldProblem> details = invalid.field().isPresent() && invalid.problem().isPresent()
                    ? List.of(new EventRecord.FieldProblem(invalid.field().get(), invalid.problem().get())) : List.of();
            return new EventRecord(422, "failed", ErrorType.VALIDATION_ERROR.toString(), "Event cannot be provisioned by handler " + handler,
                    detail, Map.of(), details);
        }
        if (cause instanceof EntityNotFoundException) {
            return failed(404, ErrorType.VALIDATION_ERROR, "Entity not found by handler " + handler, detail, null);
        }
        if (cause instanceof UpstreamAuthenticationException) {
            return failed(500, ErrorType.AUTHENTICATION_ERROR, "The external system refused the credentials of handler " + handler, detail, null);
        }
        if (cause instanceof UpstreamRateLimitedException) {
            return failed(rateLimitStatus, ErrorType.RATE_LIMIT_ERROR, "Rate limit of the external system reached (handler " + handler + ")", detail,
                    cause.retryAfter().orElse(DEFAULT_RATE_LIMIT_RETRY));
        }
        if (cause instanceof UpstreamErrorException) {
            return failed(500, ErrorType.SERVICE_ERROR, "The external system failed (handler " + handler + ")", detail, null);
        }
        if (cause instanceof UpstreamUnavailableException) {
            return failed(503, ErrorType.CONNECTION_ERROR, "The external system is unavailable (handler " + handler + ")", detail,
                    cause.retryAfter().orElse(DEFAULT_UNAVAILABLE_RETRY));
        }
        throw new IllegalStateException("unmapped handler failure " + cause.getClass().getName());
    }

    private static EventRecord failed(int status, ErrorType type, String message, String error, Duration retryAfter) {
        return new EventRecord(status, "failed", type.toString(), message, error,
                retryAfter == null ? Map.of() : Map.of(HttpHeaders.RETRY_AFTER, ErrorResponses.retryAfterSeconds(retryAfter)));
    }
}
