package io.nsps.connector.web;

import io.nsps.connector.api.DefaultApi;
import io.nsps.connector.logging.LogText;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.model.ErrorType;
import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.processing.EventProcessor;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * The generated API, implemented as a thin adapter: the event was authenticated by the
 * authentication filter and parsed and validated by {@link EventBodyReader}; this hands it to the
 * {@link EventProcessor} (exactly once, in order per subscriber) and answers its outcome through
 * {@link Answers}. Registered explicitly, on {@code EVENTS_PATH} (any path when unset), by
 * {@link WebApplication}.
 */
public final class EventsResource implements DefaultApi {

    private final EventProcessor processor;
    private final ConnectorLifecycle lifecycle;
    private final HealthCheck health;
    private final Answers answers;

    private final ConnectorMetrics metrics;
    /** Whether the journal keeps the events' bodies (JOURNAL_BODY_RETENTION above zero). */
    private final boolean keepBodies;

    EventsResource(EventProcessor processor, ConnectorLifecycle lifecycle, HealthCheck health, Answers answers, ConnectorMetrics metrics,
                   boolean keepBodies) {
        this.keepBodies = keepBodies;
        this.metrics = Objects.requireNonNull(metrics, "metrics is null");
        this.processor = Objects.requireNonNull(processor, "processor is null");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle is null");
        this.health = Objects.requireNonNull(health, "health is null");
        this.answers = Objects.requireNonNull(answers, "answers is null");
    }

    @Override
    public Response healthCheckHealthGet() {
        return health.answer();
    }

    @Override
    public Response processEventProcessEventPost(Event event) {
        MDC.put(RequestTracing.EVENT_ID, LogText.bounded(event.getEventId()));
        MDC.put(RequestTracing.EVENT_TYPE, LogText.bounded(event.getData().getEventType()));
        byte[] body = EventBodyReader.takeBody();
        if (lifecycle.isDraining()) {
            MDC.put(RequestTracing.OUTCOME, RequestTracing.REFUSED_DRAINING);
            metrics.capacityRefused("shutting_down");
            return Answers.error(503, ErrorType.CONNECTION_ERROR, "The connector is shutting down; retry later",
                    "Service unavailable", Map.of(HttpHeaders.RETRY_AFTER, Answers.CAPACITY_RETRY_AFTER));
        }
        Outcome outcome = processor.process(event, keepBodies ? body : null);
        MDC.put(RequestTracing.OUTCOME, Answers.label(outcome));
        return answers.event(outcome);
    }
}
