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
 *
 * <p>Bodies are admitted against a second budget, {@code MAX_BODY_BYTES_IN_FLIGHT}: a request is
 * charged its declared length (the largest accepted body when it declares none), so a burst of
 * large events is answered 503 beyond the budget instead of growing the heap without bound. Small
 * events never reach it: 96 events of 2 KB take 192 KB.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION + 200)
public final class AdmissionFilter implements ContainerRequestFilter, ContainerResponseFilter {

    /** Retry-After, in seconds, of every refusal for capacity (here and for a full worker queue). */
    static final String CAPACITY_RETRY_AFTER = "5";

    private static final String ADMITTED_BYTES = "nsps.admitted-bytes";

    private final Semaphore slots;
    private final Semaphore bodyBytes;
    private final long maxBodyBytes;
    private final IdleMemoryReturn idleMemory;

    public AdmissionFilter(int maxConcurrent, long maxBodyBytesInFlight, long maxBodyBytes, IdleMemoryReturn idleMemory) {
        this.idleMemory = idleMemory;
        this.slots = new Semaphore(maxConcurrent);
        this.bodyBytes = new Semaphore((int) Math.min(Integer.MAX_VALUE, maxBodyBytesInFlight));
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (BearerAuthFilter.isHealthCheck(request)) {
            return;
        }
        idleMemory.eventArrived();
        if (!slots.tryAcquire()) {
            throw new ApiException(503, ErrorType.CONNECTION_ERROR, "The connector is at capacity; retry later", "Too many events in progress",
                    Map.of("Retry-After", CAPACITY_RETRY_AFTER));
        }
        // A longer declared body is refused with 413 when it is read; charging more than the limit would not help.
        int charge = (int) Math.min(request.getLength() < 0 ? maxBodyBytes : request.getLength(), maxBodyBytes);
        if (!bodyBytes.tryAcquire(charge)) {
            slots.release();
            throw new ApiException(503, ErrorType.CONNECTION_ERROR, "The connector is at capacity for large events; retry later",
                    "Too many large event bodies in progress", Map.of("Retry-After", CAPACITY_RETRY_AFTER));
        }
        request.setProperty(ADMITTED_BYTES, charge);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(ADMITTED_BYTES) instanceof Integer charge) {
            request.removeProperty(ADMITTED_BYTES);
            bodyBytes.release(charge);
            slots.release();
        }
    }
}
