package io.nsps.connector.web;

import io.nsps.connector.logging.LoggingSetup;
import io.nsps.connector.metrics.ConnectorMetrics;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import org.slf4j.MDC;

/**
 * First in, last out: puts the tracing ids NSPS sends ({@code x-b3-traceid} as {@code request_id},
 * {@code x-request-id} as {@code unique_id}; UUIDs when absent or unusable) into the MDC so every
 * log line written while serving the request carries them, echoes them in the response headers,
 * and writes one access line per request.
 *
 * <p>Jersey runs the request filters, the resource, the exception mapper and the response filters
 * of one request on one worker thread, which is what makes the MDC hold for the whole request.
 */
@PreMatching
@Priority(1)
public final class RequestTracingFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private final ConnectorMetrics metrics;

    public RequestTracingFilter(ConnectorMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        MDC.clear();
        request.setProperty(RequestTracing.START_NANOS, System.nanoTime());
        MDC.put(LoggingSetup.MDC_REQUEST_ID, RequestTracing.idFrom(request.getHeaderString(RequestTracing.TRACE_HEADER)));
        MDC.put(LoggingSetup.MDC_UNIQUE_ID, RequestTracing.idFrom(request.getHeaderString(RequestTracing.REQUEST_ID_HEADER)));
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String requestId = MDC.get(LoggingSetup.MDC_REQUEST_ID);
        String uniqueId = MDC.get(LoggingSetup.MDC_UNIQUE_ID);
        if (requestId != null) {
            response.getHeaders().putSingle(RequestTracing.TRACE_HEADER, requestId);
        }
        if (uniqueId != null) {
            response.getHeaders().putSingle(RequestTracing.REQUEST_ID_HEADER, uniqueId);
        }
        Object start = request.getProperty(RequestTracing.START_NANOS);
        double durationMs = start instanceof Long nanos ? (System.nanoTime() - nanos) / 1_000_000.0 : -1;
        int status = response.getStatus();
        if (MDC.get(RequestTracing.OUTCOME) == null) {
            MDC.put(RequestTracing.OUTCOME, status < 400 ? "ok" : "refused");
        }
        // event_id, event_type, handler and outcome travel in the MDC, like on every line of the request.
        RequestTracing.writeAccessLine(metrics, request.getMethod(), "/" + request.getUriInfo().getPath(true), status, durationMs);
        MDC.clear();
    }

}
