package io.nsps.connector.web;

import io.nsps.connector.config.BuildInfo;
import io.nsps.connector.model.HealthResponse;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health}: 200 {@code ok} while the connector can take events; 503 otherwise, with the
 * reason as {@code status} (and a sentence as {@code problem}), so that an orchestrator stops
 * sending to it, and restarts it when it stays so:
 *
 * <ul>
 *   <li>{@code shutting_down}: draining after SIGTERM;</li>
 *   <li>{@code state_store_unavailable}: the state store did not answer its last check;</li>
 *   <li>{@code stuck}: events are refused for capacity and none of those admitted has finished for
 *       {@code HEALTH_STUCK_AFTER}.</li>
 * </ul>
 */
final class HealthCheck {

    /** Every health answer says which build answers it. */
    private static final String VERSION = BuildInfo.current().describe();
    /** While draining after SIGTERM (also what Grizzly answers a kept-alive connection's health check then). */
    static final HealthResponse DRAINING = unhealthy("shutting_down", "The connector is shutting down");

    private final ConnectorLifecycle lifecycle;
    private final Admission admission;
    private final BooleanSupplier storeAvailable;

    HealthCheck(ConnectorLifecycle lifecycle, Admission admission, BooleanSupplier storeAvailable) {
        this.lifecycle = lifecycle;
        this.admission = admission;
        this.storeAvailable = storeAvailable;
    }

    Response answer() {
        if (lifecycle.isDraining()) {
            return unavailable(DRAINING);
        }
        if (!storeAvailable.getAsBoolean()) {
            return unavailable(unhealthy("state_store_unavailable", "The state store does not answer; events are answered 503"));
        }
        if (admission.stuck()) {
            return unavailable(unhealthy("stuck", "Every event is refused for capacity and none in progress has finished for HEALTH_STUCK_AFTER"));
        }
        return Response.ok(HealthResponse.builder().status("ok").version(VERSION).build(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static HealthResponse unhealthy(String status, String problem) {
        return HealthResponse.builder().status(status).problem(problem).version(VERSION).build();
    }

    private static Response unavailable(HealthResponse health) {
        return Response.status(503)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Retry-After", Answers.CAPACITY_RETRY_AFTER)
                .entity(health)
                .build();
    }
}
