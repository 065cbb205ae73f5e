package io.nsps.connector.web;

import io.nsps.connector.logging.LogText;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.parsing.EventRejectedException;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.state.StateStoreException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one place where anything thrown while serving a request becomes an answer (through
 * {@link Answers}). Jersey's own
 * failures (no route, wrong method, wrong media type) become {@code ErrorResponse} JSON instead of
 * empty bodies; anything unexpected becomes a 500 {@code internal_error} whose message carries a
 * correlation id that is also logged, and nothing of the exception itself.
 */
public final class ConnectorExceptionMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorExceptionMapper.class);

    private final ConnectorMetrics metrics;
    private final EventProcessor processor;
    private final String routes;

    /**
     * @param processor journals the events refused for breaking the schema
     * @param routes where the connector takes what, said to a request sent elsewhere (a URL
     *               mistyped in NSPS: a 404 it drops for good), e.g. "events are posted to /api/events"
     */
    public ConnectorExceptionMapper(ConnectorMetrics metrics, EventProcessor processor, String routes) {
        this.metrics = metrics;
        this.processor = processor;
        this.routes = routes;
    }

    @Override
    public Response toResponse(Throwable exception) {
        if (exception instanceof ApiException api) {
            return Answers.refusal(api);
        }
        if (exception instanceof EventRejectedException rejected) {
            if (rejected.kind() == EventRejectedException.Kind.INVALID) {
                return refusedForTheSchema(rejected);
            }
            return Answers.rejected(rejected);
        }
        if (exception instanceof WebApplicationException web && web.getResponse().getStatus() < 500) {
            return fromJersey(web, routes);
        }
        if (exception instanceof StateStoreException) {
            // Transient by nature (the database restarts, fails over): NSPS retries a 503.
            LOG.error("State store unavailable", exception);
            metrics.stateStoreError();
            return Answers.error(503, ErrorType.CONNECTION_ERROR, "The connector's state store is unavailable; retry later",
                    "Service unavailable", Map.of("Retry-After", "30"));
        }
        return internalError(exception);
    }

    /**
     * JSON against the schema: NSPS drops it for good (422), so it is journaled (its id and type as
     * far as the JSON gives them, the error) and its access line and metrics carry its type.
     */
    private Response refusedForTheSchema(EventRejectedException rejected) {
        Outcome.Failed outcome = new Outcome.Failed(Outcome.Failed.Failure.INVALID_EVENT, rejected.getMessage(), rejected.error(), null,
                rejected.details());
        if (rejected.eventId() != null) {
            MDC.put(RequestTracing.EVENT_ID, LogText.bounded(rejected.eventId()));
        }
        if (rejected.eventType() != null) {
            MDC.put(RequestTracing.EVENT_TYPE, LogText.bounded(rejected.eventType()));
        }
        MDC.put(RequestTracing.OUTCOME, Answers.label(outcome));
        processor.refused(rejected.eventId(), rejected.eventType(), outcome);
        return Answers.rejected(rejected);
    }

    private static Response fromJersey(WebApplicationException exception, String routes) {
        int status = exception.getResponse().getStatus();
        return switch (status) {
            case 404 -> Answers.error(404, ErrorType.VALIDATION_ERROR, "Resource not found: " + routes, "Not found");
            case 405 -> {
                String allow = exception instanceof NotAllowedException
                        ? OptionsRefusalFilter.withoutOptions(exception.getResponse().getHeaderString(HttpHeaders.ALLOW)) : null;
                yield Answers.error(405, ErrorType.VALIDATION_ERROR,
                        allow == null ? "Method not allowed: " + routes : "Method not allowed: this path answers " + allow + "; " + routes,
                        "Method not allowed", allow == null ? Map.of() : Map.of(HttpHeaders.ALLOW, allow));
            }
            case 415 -> Answers.error(415, ErrorType.VALIDATION_ERROR, "Unsupported media type",
                    "Content-Type must be application/json");
            case 406 -> Answers.error(406, ErrorType.VALIDATION_ERROR, "Not acceptable",
                    "The connector answers application/json only");
            default -> Answers.error(status, ErrorType.VALIDATION_ERROR, "Request refused",
                    Response.Status.Family.familyOf(status) == Response.Status.Family.CLIENT_ERROR
                            ? reasonPhrase(status) : "Bad request");
        };
    }

    private static Response internalError(Throwable exception) {
        String correlationId = RequestTracing.newId();
        LOG.error("Unexpected failure, correlation id {}", correlationId, exception);
        return Answers.error(500, ErrorType.INTERNAL_ERROR,
                "Internal error; quote correlation id " + correlationId + " to the connector's operators",
                "Internal server error", Map.of("x-correlation-id", correlationId));
    }

    private static String reasonPhrase(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        return known == null ? "Client error " + status : known.getReasonPhrase();
    }
}
