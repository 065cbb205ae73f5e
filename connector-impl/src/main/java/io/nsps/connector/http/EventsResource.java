package io.nsps.connector.http;

import io.nsps.connector.api.DefaultApi;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.Event;
import io.nsps.connector.model.EventResponse;
import io.nsps.connector.state.EventProcessor;
import io.nsps.connector.state.EventRecord;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * The generated API, implemented as a thin adapter: the event was authenticated by
 * {@link BearerAuthFilter} and parsed and validated by {@link EventBodyReader}; this hands it to the
 * {@link EventProcessor} (exactly once, in order per subscriber) and translates the outcome.
 * Registered explicitly, on the configured {@code EVENTS_PATH}, by {@link ConnectorServer}.
 */
public final class EventsResource implements DefaultApi {

    private final EventProcessor processor;
    private final ConnectorLifecycle lifecycle;
    private final HealthCheck health;

    EventsResource(EventProcessor processor, ConnectorLifecycle lifecycle, HealthCheck health) {
        this.processor = Objects.requireNonNull(processor, "processor is null");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle is null");
        this.health = Objects.requireNonNull(health, "health is null");
    }

    @Override
    public Response healthCheckHealthGet() {
        return health.answer();
    }

    @Override
    public Response processEventProcessEventPost(Event event) {
        MDC.put(RequestTracing.EVENT_ID, LogText.bounded(event.getEventId()));
        MDC.put(RequestTracing.EVENT_TYPE, LogText.bounded(event.getData().getEventType()));
        if (lifecycle.isDraining()) {
            MDC.put(RequestTracing.OUTCOME, "refused_draining");
            return ErrorResponses.of(503, ErrorType.CONNECTION_ERROR, "The connector is shutting down; retry later",
                    "Service unavailable", Map.of(HttpHeaders.RETRY_AFTER, "5"));
        }
        EventRecord answer;
        // Store calls, lock waits and the handler's call out: the worker may wait here.
        try (WorkerPool.Blocking waiting = WorkerPool.blocking()) {
            answer = processor.process(event);
        }
        MDC.put(RequestTracing.OUTCOME, answer.outcome());
        if (!answer.done()) {
            return ErrorResponses.of(answer);
        }
        return Response.accepted(EventResponse.builder().message(AnswerText.clean(answer.message())).build())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }
}
