package io.nsps.connector.http;

import io.nsps.connector.model.ErrorType;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Overload protection: at most {@code MAX_CONCURRENT_EVENTS} authenticated requests are processed
 * at once; one more is refused at once with 503 and Retry-After instead of queueing behind slow
 * upstream calls. The worker pool is larger than that limit, so the spare workers keep answering
 * health checks and those fast 503s however slow the external systems are.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION + 200)
public final class AdmissionFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String ADMITTED = "nsps.admitted";

    private final Semaphore slots;

    public AdmissionFilter(int maxConcurrent) {
        this.slots = new Semaphore(maxConcurrent);
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (BearerAuthFilter.isHealthCheck(request)) {
            return;
        }
        if (!slots.tryAcquire()) {
            throw new ApiException(503, ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later", "Too many events in progress",
                    Map.of("Retry-After", "5"));
        }
        request.setProperty(ADMITTED, Boolean.TRUE);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(ADMITTED) != null) {
            request.removeProperty(ADMITTED);
            slots.release();
        }
    }
}
