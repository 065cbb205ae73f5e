package io.nsps.connector.server;

import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.web.RequestTracing;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Filter;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log side of a request Grizzly could not hand to a worker (every running worker busy and
 * {@code WORKER_QUEUE} requests already waiting, or the pool stopping), answered 503 at the door by
 * {@link GrizzlyCustomizations#errorPageGenerator}: it gets its access line like any other request
 * (outcome {@value #OUTCOME}), and the warning that the connector is at capacity is written at most
 * once in each report period (consecutive periods, counted from start-up), with the number refused
 * since the previous warning.
 *
 * <p>Grizzly's own warning for each of them ("GRIZZLY0200: Service exception" with the rejection) is
 * filtered out: under overload it was one warning per refused request, thousands a second, adding
 * to the load and burying every other line.
 */
final class CapacityRefusals {

    static final String OUTCOME = "refused_no_worker";
    static final Duration REPORT_PERIOD = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(CapacityRefusals.class);
    /**
     * Grizzly logs a refused hand-over here. Held: java.util.logging keeps loggers weakly, and a
     * logger collected and created again would come back without the filter.
     */
    private static final java.util.logging.Logger GRIZZLY_HANDLER_LOG = java.util.logging.Logger.getLogger(HttpHandler.class.getName());

    private static final Filter DROP_REJECTIONS = record -> !(record.getThrown() instanceof RejectedExecutionException);

    private final RateLimiter reports;
    private final AtomicLong unreported = new AtomicLong();
    private final long reportPeriodSeconds;

    private final ConnectorMetrics metrics;

    CapacityRefusals(Duration reportPeriod, ConnectorMetrics metrics) {
        this.metrics = metrics;
        this.reportPeriodSeconds = Math.max(1, reportPeriod.toSeconds());
        this.reports = RateLimiter.of("capacity-warnings", RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(reportPeriod)
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    /** Drops Grizzly's per-request warning for a rejected hand-over; its other warnings pass. */
    static void silenceGrizzlyRejectionWarnings() {
        GRIZZLY_HANDLER_LOG.setFilter(DROP_REJECTIONS);
    }

    /** Whether the next refusal writes the warning (its period has passed); for tests. */
    boolean warningDue() {
        return reports.getMetrics().getAvailablePermissions() > 0;
    }

    /**
     * Logs a request refused because the server is shutting down (one that arrived on a connection
     * kept alive from before): its access line, outcome {@value RequestTracing#REFUSED_DRAINING} as the events
     * resource's own refusal while draining, and, for an event, the capacity refusal {@code shutting_down}.
     */
    void refusedWhileShuttingDown(String method, String path, String requestId, String uniqueId, boolean event) {
        if (event) {
            metrics.capacityRefused("shutting_down");
        }
        RequestTracing.writeRefusalLine(metrics, method, path, 503, requestId, uniqueId, RequestTracing.REFUSED_DRAINING);
    }

    /**
     * Logs one refusal (on the selector thread that refused it).
     *
     * @param requestId the request's {@code request_id}, echoed in its answer (see {@link RequestTracing})
     * @param uniqueId its {@code unique_id}
     * @param reason the pool's own words (worker and queue counts only)
     */
    void refused(String method, String path, String requestId, String uniqueId, RejectedExecutionException reason) {
        unreported.incrementAndGet();
        // Refused in the same selector pass that parsed the request head: no time went into it.
        metrics.capacityRefused("worker_queue");
        RequestTracing.writeRefusalLine(metrics, method, path, 503, requestId, uniqueId, OUTCOME);
        if (reports.acquirePermission()) {
            LOG.warn("At capacity, refusing requests with 503 ({}): {} since the previous such warning or start-up, each with its "
                    + "access line (outcome {}); this warning at most once in {} s; if it persists, raise RUNNING_WORKERS, "
                    + "WORKER_THREADS or WORKER_QUEUE, or add instances", reason.getMessage(), unreported.getAndSet(0), OUTCOME,
                    reportPeriodSeconds);
        }
    }
}
