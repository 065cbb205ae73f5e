package io.nsps.connector.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The connector's metrics, for Prometheus (Micrometer's registry, scraped at {@code /metrics} on
 * the management port): events by type, outcome and status and their processing time; upstream
 * calls by handler and status class and their duration; credential renewals; capacity refusals;
 * state store errors; the worker pool, events in flight, the database pool; the JVM and the process.
 * One instance per connector. Every label value comes from a bounded set: an event type is its own
 * only when an enabled handler takes it, and for the first {@link #MAX_EVENT_TYPES} such types.
 */
public final class ConnectorMetrics {

    /** Distinct event types given their own label value; the rest are {@code other}. */
    public static final int MAX_EVENT_TYPES = 100;
    /** Fits NSPS's patience: from a fast 202 to a call that ran into HLR_TIMEOUT or INFLIGHT_WAIT. */
    private static final Duration[] EVENT_BUCKETS = durations(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30);
    private static final Duration[] CALL_BUCKETS = durations(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> namedTypes = ConcurrentHashMap.newKeySet();
    private volatile Predicate<String> taken = type -> false;
    private final ConcurrentHashMap<EventKey, Counter> events = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> eventTimes = new ConcurrentHashMap<>();

    private record EventKey(String type, String outcome, int status) {
    }

    public ConnectorMetrics() {
        // Two of the binders' meters break Prometheus's naming rules (promtool check metrics): a
        // counter in nanoseconds, and a gauge whose name ends in _count. process_cpu_usage and the
        // JVM's own figures say the same.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                || id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The registry, for libraries that report into it (the database pool). */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** Which event types an enabled handler takes (known once the handlers are). */
    public void eventTypesTaken(Predicate<String> taken) {
        this.taken = taken;
    }

    /**
     * One request to the events path finished with {@code status}.
     *
     * @param eventType the event's type, or null when the request never got that far
     * @param outcome the access line's outcome (a bounded set: {@code web.Answers.label} and the refusals')
     */
    public void eventAnswered(String eventType, String outcome, int status, long nanos) {
        String type = typeLabel(eventType);
        String outcomeLabel = outcome == null ? "unknown" : outcome;
        events.computeIfAbsent(new EventKey(type, outcomeLabel, status), key -> Counter.builder("nsps_events")
                .description("Requests to the events path, by event type (other: no enabled handler takes it), outcome and status")
                .tags("event_type", key.type(), "outcome", key.outcome(), "status", Integer.toString(key.status()))
                .register(registry)).increment();
        eventTimes.computeIfAbsent(outcomeLabel, key -> Timer.builder("nsps_event_duration")
                .description("Time from the request's arrival to its answer, by outcome")
                .tags("outcome", key)
                .serviceLevelObjectives(EVENT_BUCKETS)
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A call a handler made to its external system: {@code status} 0 when no answer came. */
    public void upstreamCall(String handler, int status, Duration took) {
        Counter.builder("nsps_upstream_calls")
                .description("Calls handlers made to their external systems, by handler and status class (none: no answer)")
                .tags("handler", handler, "status_class", statusClass(status))
                .register(registry).increment();
        Timer.builder("nsps_upstream_call_duration")
                .description("Duration of the calls handlers made to their external systems")
                .tags("handler", handler)
                .serviceLevelObjectives(CALL_BUCKETS)
                .register(registry).record(took);
    }

    /** A credential a handler presents was obtained or renewed: {@code ok}, {@code refused} (a bad grant) or {@code failed}. */
    public void credentialRenewal(String handler, String result) {
        Counter.builder("nsps_credential_renewals")
                .description("OAuth2 token grants and refreshes and JWT signatures, by handler and result")
                .tags("handler", handler, "result", result)
                .register(registry).increment();
    }

    /** A request refused for capacity: {@code events}, {@code body_bytes}, {@code worker_queue}, {@code shutting_down}. */
    public void capacityRefused(String reason) {
        Counter.builder("nsps_capacity_refusals")
                .description("Requests refused with 503 for capacity, by reason")
                .tags("reason", reason)
                .register(registry).increment();
    }

    /** A call to the state store failed or timed out. */
    public void stateStoreError() {
        Counter.builder("nsps_state_store_errors").description("Calls to the state store that failed or did not answer in time")
                .register(registry).increment();
    }

    /** A figure read when scraped (events in flight, the worker pool's). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    private String typeLabel(String eventType) {
        if (eventType == null || eventType.isEmpty()) {
            return "unknown";
        }
        if (namedTypes.contains(eventType)) {
            return eventType;
        }
        if (!taken.test(eventType) || namedTypes.size() >= MAX_EVENT_TYPES) {
            return "other";
        }
        namedTypes.add(eventType);
        return eventType;
    }

    private static String statusClass(int status) {
        return status <= 0 ? "none" : status / 100 + "xx";
    }

    private static Duration[] durations(double... seconds) {
        Duration[] durations = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            durations[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
        }
        return durations;
    }
}
