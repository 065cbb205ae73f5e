package io.nsps.connector.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
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
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** Why a request is refused for capacity: every value {@link #capacityRefused} is given. */
    public static final List<String> CAPACITY_REASONS = List.of("events", "body_bytes", "worker_queue", "shutting_down");
    /** What a credential renewal comes to: every value {@link #credentialRenewal} is given. */
    public static final List<String> RENEWAL_RESULTS = List.of("ok", "refused", "failed");
    /** The status classes of the upstream calls pre-registered for a handler with endpoints. */
    private static final List<String> CALL_CLASSES = List.of("2xx", "4xx", "5xx", "none");
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

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
        processMetrics();
        // Counters an alert watches exist at zero from the start: a series that first appears
        // already incremented shows no increase() to Prometheus, and a single event would not alert.
        stateStoreErrors();
        CAPACITY_REASONS.forEach(this::capacityRefusals);
    }

    /**
     * Prometheus's standard process figures that Micrometer's binders lack under these names: the
     * CPU time in seconds (a counter), and the resident set size (from /proc/self/status, where it exists).
     */
    private void processMetrics() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, bean -> bean.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the process")
                    .baseUnit("seconds")
                    .register(registry);
        }
        if (Files.isReadable(PROC_STATUS) && residentBytes() >= 0) {
            Gauge.builder("process.resident.memory", ConnectorMetrics::residentBytes)
                    .description("Resident set size of the process (VmRSS)")
                    .baseUnit("bytes")
                    .strongReference(true)
                    .register(registry);
        }
    }

    /** VmRSS of /proc/self/status, in bytes; -1 when it cannot be read. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: no figure
        }
        return -1;
    }

    /**
     * An enabled handler's counters, at zero from the start: its credential renewals by result when
     * its credentials are renewed ({@code oauth2}, {@code jwt}), its upstream calls by status class
     * when it declares external systems.
     */
    public void handlerEnabled(String handler, String credentialScheme, boolean callsOut) {
        if ("oauth2".equals(credentialScheme) || "jwt".equals(credentialScheme)) {
            RENEWAL_RESULTS.forEach(result -> renewals(handler, result));
        }
        if (callsOut) {
            CALL_CLASSES.forEach(statusClass -> upstreamCalls(handler, statusClass));
        }
    }

    /** A replay the operator asked for, by its outcome (as the access line's). */
    public void replayed(String outcome) {
        Counter.builder("nsps_replays")
                .description("Events the operator's replay ran again, by outcome")
                .tags("outcome", outcome)
                .register(registry).increment();
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
        upstreamCalls(handler, statusClass(status)).increment();
        Timer.builder("nsps_upstream_call_duration")
                .description("Duration of the calls handlers made to their external systems")
                .tags("handler", handler)
                .serviceLevelObjectives(CALL_BUCKETS)
                .register(registry).record(took);
    }

    /** A credential a handler presents was obtained or renewed: {@code ok}, {@code refused} (a bad grant) or {@code failed}. */
    public void credentialRenewal(String handler, String result) {
        renewals(handler, result).increment();
    }

    /** A request refused for capacity: one of {@link #CAPACITY_REASONS}. */
    public void capacityRefused(String reason) {
        capacityRefusals(reason).increment();
    }

    /** A call to the state store failed or timed out. */
    public void stateStoreError() {
        stateStoreErrors().increment();
    }

    private Counter upstreamCalls(String handler, String statusClass) {
        return Counter.builder("nsps_upstream_calls")
                .description("Calls handlers made to their external systems, by handler and status class (none: no answer)")
                .tags("handler", handler, "status_class", statusClass)
                .register(registry);
    }

    private Counter renewals(String handler, String result) {
        return Counter.builder("nsps_credential_renewals")
                .description("OAuth2 token grants and refreshes and JWT signatures, by handler and result")
                .tags("handler", handler, "result", result)
                .register(registry);
    }

    private Counter capacityRefusals(String reason) {
        return Counter.builder("nsps_capacity_refusals")
                .description("Requests refused with 503 for capacity, by reason")
                .tags("reason", reason)
                .register(registry);
    }

    private Counter stateStoreErrors() {
        return Counter.builder("nsps_state_store_errors").description("Calls to the state store that failed or did not answer in time")
                .register(registry);
    }

    /** A figure read when scraped (events in flight, the worker pool's). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    /** A count kept elsewhere that only grows (the worker pool's reliefs), read when scraped: a counter, {@code _total}. */
    public void count(String name, String description, Supplier<Number> value) {
        FunctionCounter.builder(name, value, supplier -> supplier.get().doubleValue()).description(description).register(registry);
    }

    private String typeLabel(String eventType) {
        if (eventType == null || eventType.isEmpty()) {
            return "unknown";
        }
        if (namedTypes.contains(eventType)) {
            return eventType;
        }
        if (!taken.test(eventType) || namedTypes.size() >= MAX_EVENT_TYPES || !plainText(eventType)) {
            return "other";
        }
        namedTypes.add(eventType);
        return eventType;
    }

    /** Printable ASCII only, as event types are: a label value is shown raw in a terminal (an escape would act there). */
    private static boolean plainText(String eventType) {
        return eventType.length() <= 100 && eventType.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
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
