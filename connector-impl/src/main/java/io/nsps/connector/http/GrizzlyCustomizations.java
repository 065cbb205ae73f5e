package io.nsps.connector.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.ErrorType;
import java.io.CharConversionException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.http.HttpServerFilter;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.ErrorPageGenerator;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;

/**
 * Grizzly answers some requests itself, before Jersey sees them: malformed request lines, headers
 * over the limit, requests arriving while it shuts down. Out of the box those answers are HTML
 * pages (with stack traces) or empty; these hooks make them {@code ErrorResponse} JSON, and put
 * {@link StrictHttpCodecFilter} in place of Grizzly's codec.
 */
final class GrizzlyCustomizations {

    private GrizzlyCustomizations() {
    }

    /** The JSON body of an answer Grizzly gives by itself; {@code error} is the sentence saying why. */
    static byte[] body(ObjectMapper mapper, int status, String error) {
        ErrorType type = status == 503 ? ErrorType.CONNECTION_ERROR : status >= 500 ? ErrorType.INTERNAL_ERROR : ErrorType.VALIDATION_ERROR;
        String message = switch (status) {
            case 400 -> "Malformed HTTP request";
            case 413, 431 -> "Request too large";
            case 503 -> "The connector is shutting down; retry later";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
        try {
            return mapper.writeValueAsBytes(ErrorResponses.body(type, message, error));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ErrorResponse always serialises", e);
        }
    }

    private static String defaultError(int status) {
        return switch (status) {
            case 413, 431 -> "The request exceeds the size limits";
            case 503 -> "Service unavailable";
            default -> "HTTP " + status;
        };
    }

    /**
     * For answers Grizzly's HTTP server layer writes through a Response (requests arriving on open
     * connections while it shuts down, failures outside Jersey). A health check gets the health
     * document, so probes read "shutting_down" as they do from the resource.
     */
    static ErrorPageGenerator errorPageGenerator(ObjectMapper mapper, CapacityRefusals capacityRefusals) {
        byte[] queueFull = capacityBody(mapper);
        return (Request request, int status, String reasonPhrase, String description, Throwable exception) -> {
            // Setting the type here keeps Grizzly from labelling the page text/html.
            request.getResponse().setContentType("application/json");
            if (exception instanceof RejectedExecutionException rejected) {
                // The request was read, but every worker is busy and WORKER_QUEUE requests already
                // wait: refused as admission control refuses (Grizzly would answer 500). The answer
                // is not committed yet, so its status can still change.
                request.getResponse().setStatus(503, "Service Unavailable");
                request.getResponse().setHeader("Retry-After", Admission.CAPACITY_RETRY_AFTER);
                // Tracing ids echoed and logged as RequestTracingFilter does for requests that reach Jersey.
                String requestId = RequestTracingFilter.idFrom(request.getHeader(RequestTracing.TRACE_HEADER));
                String uniqueId = RequestTracingFilter.idFrom(request.getHeader(RequestTracing.REQUEST_ID_HEADER));
                request.getResponse().setHeader(RequestTracing.TRACE_HEADER, requestId);
                request.getResponse().setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
                capacityRefusals.refused(request.getMethod().getMethodString(), decodedPath(request), requestId, uniqueId, rejected);
                return "/health".equals(request.getRequestURI()) ? "{\"status\":\"busy\"}" : new String(queueFull, StandardCharsets.UTF_8);
            }
            if (status == 503) {
                // Requests on open keep-alive connections while the server shuts down.
                request.getResponse().setHeader("Retry-After", Admission.CAPACITY_RETRY_AFTER);
                if ("/health".equals(request.getRequestURI())) {
                    return "{\"status\":\"shutting_down\"}";
                }
            }
            return new String(body(mapper, status, defaultError(status)), StandardCharsets.UTF_8);
        };
    }

    /** The path as the access line of a request that reached Jersey gives it: decoded, when it decodes. */
    private static String decodedPath(Request request) {
        try {
            return request.getDecodedRequestURI();
        } catch (CharConversionException e) {
            return request.getRequestURI();
        }
    }

    private static byte[] capacityBody(ObjectMapper mapper) {
        try {
            return mapper.writeValueAsBytes(ErrorResponses.body(ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later",
                    "Too many requests waiting for a worker"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an ErrorResponse always serialises", e);
        }
    }

    /**
     * Replaces the HTTP codec filter with {@link StrictHttpCodecFilter}: stricter framing, and
     * protocol-error answers (bad request line, oversized headers) with a JSON body instead of none.
     */
    static AddOn codecAddOn(ObjectMapper mapper, java.time.Duration headerDeadline) {
        return new AddOn() {
            @Override
            public void setup(NetworkListener listener, FilterChainBuilder builder) {
                int index = builder.indexOfType(HttpServerFilter.class);
                if (index < 0) {
                    throw new IllegalStateException("Grizzly's filter chain has no HTTP codec filter");
                }
                HttpServerFilter original = (HttpServerFilter) builder.get(index);
                builder.set(index, new StrictHttpCodecFilter(listener, mapper, original, headerDeadline.toNanos()));
            }
        };
    }
}
