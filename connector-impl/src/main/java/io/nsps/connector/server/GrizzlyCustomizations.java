package io.nsps.connector.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.web.Answers;
import io.nsps.connector.web.RequestTracing;
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
 * over the limit, requests arriving while it shuts down, requests no worker can take. Out of the
 * box those answers are HTML pages (with stack traces) or empty; these hooks make them the JSON
 * answers of {@link Answers}, and put {@link StrictHttpCodecFilter} in place of Grizzly's codec.
 */
final class GrizzlyCustomizations {

    private GrizzlyCustomizations() {
    }

    /**
     * For answers Grizzly's HTTP server layer writes through a Response (requests arriving on open
     * connections while it shuts down, requests no worker can take, failures outside Jersey). A
     * health check gets the health document, so probes read "shutting_down" as they do from the
     * resource.
     */
    static ErrorPageGenerator errorPageGenerator(ObjectMapper mapper, CapacityRefusals capacityRefusals) {
        byte[] noWorker = Answers.noWorkerAnswer(mapper);
        String drainingHealth = new String(Answers.drainingHealthAnswer(mapper), StandardCharsets.UTF_8);
        return (Request request, int status, String reasonPhrase, String description, Throwable exception) -> {
            // Setting the type here keeps Grizzly from labelling the page text/html (and ISO-8859-1).
            request.getResponse().setContentType("application/json");
            request.getResponse().setCharacterEncoding("UTF-8");
            if (exception instanceof RejectedExecutionException rejected) {
                // The request was read, but every worker is busy and WORKER_QUEUE requests already
                // wait: refused as admission control refuses (Grizzly would answer 500). The answer
                // is not committed yet, so its status can still change.
                request.getResponse().setStatus(503, "Service Unavailable");
                request.getResponse().setHeader("Retry-After", Answers.CAPACITY_RETRY_AFTER);
                // Tracing ids echoed and logged as the web layer does for the requests it serves.
                String requestId = RequestTracing.idFrom(request.getHeader(RequestTracing.TRACE_HEADER));
                String uniqueId = RequestTracing.idFrom(request.getHeader(RequestTracing.REQUEST_ID_HEADER));
                request.getResponse().setHeader(RequestTracing.TRACE_HEADER, requestId);
                request.getResponse().setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
                capacityRefusals.refused(request.getMethod().getMethodString(), decodedPath(request), requestId, uniqueId, rejected);
                return "/health".equals(request.getRequestURI()) ? "{\"status\":\"busy\"}" : new String(noWorker, StandardCharsets.UTF_8);
            }
            if (status == 503) {
                // Requests on open keep-alive connections while the server shuts down: refused as the
                // events resource refuses them while draining, with their ids and access line.
                request.getResponse().setHeader("Retry-After", Answers.CAPACITY_RETRY_AFTER);
                String requestId = RequestTracing.idFrom(request.getHeader(RequestTracing.TRACE_HEADER));
                String uniqueId = RequestTracing.idFrom(request.getHeader(RequestTracing.REQUEST_ID_HEADER));
                request.getResponse().setHeader(RequestTracing.TRACE_HEADER, requestId);
                request.getResponse().setHeader(RequestTracing.REQUEST_ID_HEADER, uniqueId);
                boolean health = "/health".equals(request.getRequestURI());
                capacityRefusals.refusedWhileShuttingDown(request.getMethod().getMethodString(), decodedPath(request), requestId,
                        uniqueId, !health);
                if (health) {
                    return drainingHealth;
                }
            }
            return new String(Answers.protocolAnswer(mapper, status, null), StandardCharsets.UTF_8);
        };
    }

    /**
     * The management port's answers from Grizzly's own layer (a failure outside its handler, a
     * request no worker can take, a request during shutdown): {@code ErrorResponse} JSON, never
     * Grizzly's HTML page with its stack trace.
     */
    static ErrorPageGenerator managementErrorPages(ObjectMapper mapper) {
        return (Request request, int status, String reasonPhrase, String description, Throwable exception) -> {
            request.getResponse().setContentType("application/json");
            int answered = status;
            if (exception instanceof RejectedExecutionException) {
                answered = 503;
                request.getResponse().setStatus(503, "Service Unavailable");
            }
            if (answered == 503) {
                request.getResponse().setHeader("Retry-After", Answers.CAPACITY_RETRY_AFTER);
            }
            return new String(Answers.protocolAnswer(mapper, answered, null), StandardCharsets.UTF_8);
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

    /**
     * Replaces the HTTP codec filter with {@link StrictHttpCodecFilter}: stricter framing, and
     * protocol-error answers (bad request line, oversized headers) with a JSON body instead of none.
     *
     * @param headerDeadline HEADER_READ_TIMEOUT: how long a request head may take from its first byte
     * @param bodyDeadline BODY_READ_TIMEOUT: how long the rest of a body answered before it arrived is read, on a connection then closed
     * @param metrics where refusals are counted as requests to the events path; null for another port
     */
    static AddOn codecAddOn(ObjectMapper mapper, java.time.Duration headerDeadline, java.time.Duration bodyDeadline,
                            io.nsps.connector.metrics.ConnectorMetrics metrics) {
        return new AddOn() {
            @Override
            public void setup(NetworkListener listener, FilterChainBuilder builder) {
                int index = builder.indexOfType(HttpServerFilter.class);
                if (index < 0) {
                    throw new IllegalStateException("Grizzly's filter chain has no HTTP codec filter");
                }
                HttpServerFilter original = (HttpServerFilter) builder.get(index);
                builder.set(index, new StrictHttpCodecFilter(listener, mapper, original, headerDeadline.toNanos(), bodyDeadline.toNanos(), metrics));
            }
        };
    }
}
