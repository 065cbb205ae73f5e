package io.nsps.connector.testing;

import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EntityNotFoundException;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A test handler, {@code probe}, whose behaviour each event chooses through
 * {@code data.variables.probe}: {@code ok}, {@code ignore}, {@code crash}, {@code invalid},
 * {@code not_found}, {@code auth}, {@code rate_limit}, {@code upstream_error}, {@code unavailable},
 * {@code sleep:<ms>}, {@code block:<gate>} (see {@link #gate}), {@code fail_once} (503 for the first delivery of an event id, then ok). Settings: {@code PROBE_EVENT_TYPES} (default {@code Probe/*}),
 * {@code PROBE_SECRET_PHRASE} (a secret it logs by accident, to prove masking).
 */
public final class ProbeHandlerFactory implements HandlerFactory {

    /** Event ids handled, in order, across every probe instance of this JVM. */
    public static final Queue<String> HANDLED = new ConcurrentLinkedQueue<>();
    /** "start <event id> <nanos>" and "end <event id> <nanos>" lines, to check that calls did not overlap. */
    public static final Queue<String> TIMELINE = new ConcurrentLinkedQueue<>();
    private static final java.util.Set<String> FAILED_ONCE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final Map<String, Gate> GATES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Where events with behaviour {@code block:<name>} wait: each counts {@code entered} down on
     * arrival, then waits (up to 60 s) until the test opens the gate.
     */
    public record Gate(java.util.concurrent.CountDownLatch entered, java.util.concurrent.CountDownLatch open) {
        public void awaitEntered() throws InterruptedException {
            if (!entered.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("no event reached the gate");
            }
        }
    }

    /** The gate of that name, made for {@code arrivals} events (a new one each call). */
    public static Gate gate(String name, int arrivals) {
        Gate gate = new Gate(new java.util.concurrent.CountDownLatch(arrivals), new java.util.concurrent.CountDownLatch(1));
        GATES.put(name, gate);
        return gate;
    }

    @Override
    public String name() {
        return "probe";
    }

    @Override
    public String description() {
        return "Test handler driven by data.variables.probe";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        List<String> types = context.config().list("EVENT_TYPES", List.of("Probe/*"));
        String password = context.config().secret("SECRET_PHRASE").orElse("none");
        System.Logger logger = context.logger();
        return new EventHandler() {
            @Override
            public java.util.Set<String> eventTypes() {
                return new LinkedHashSet<>(types);
            }

            @Override
            public HandlerResult handle(Event event) throws HandlerException {
                HANDLED.add(event.getEventId());
                TIMELINE.add("start " + event.getEventId() + " " + System.nanoTime());
                try {
                    return behave(event);
                } finally {
                    TIMELINE.add("end " + event.getEventId() + " " + System.nanoTime());
                }
            }

            private HandlerResult behave(Event event) throws HandlerException {
                String behaviour = event.getData().getVariables() instanceof Map<?, ?> variables
                        && variables.get("probe") instanceof String b ? b : "ok";
                logger.log(System.Logger.Level.INFO, "probe handling " + event.getEventId() + " as " + behaviour
                        + " (password " + password + ")");
                if (behaviour.startsWith("block:")) {
                    Gate gate = GATES.get(behaviour.substring(6));
                    gate.entered().countDown();
                    try {
                        gate.open().await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return HandlerResult.processed("probe passed the gate");
                }
                if (behaviour.startsWith("sleep:")) {
                    try {
                        Thread.sleep(Long.parseLong(behaviour.substring(6)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return HandlerResult.processed("probe slept");
                }
                if (behaviour.equals("fail_once") && FAILED_ONCE.add(event.getEventId())) {
                    throw new UpstreamUnavailableException("probe fails the first delivery", null, null);
                }
                return switch (behaviour) {
                    case "ignore" -> HandlerResult.ignored("probe ignores this one");
                    case "crash" -> throw new IllegalStateException("probe crashed holding password " + password);
                    case "invalid" -> throw new InvalidEventException("pb_data.sim_info.imsi", "is required");
                    case "not_found" -> throw new EntityNotFoundException("subscriber 001010000020349 does not exist");
                    case "auth" -> throw new UpstreamAuthenticationException("HLR refused the credentials (401)", null);
                    case "rate_limit" -> throw new UpstreamRateLimitedException("HLR rate limit", Duration.ofSeconds(7));
                    case "upstream_error" -> throw new UpstreamErrorException("HLR answered 502", null);
                    case "unavailable" -> throw new UpstreamUnavailableException("HLR timed out", null, null);
                    default -> HandlerResult.processed("probe processed " + event.getData().getEventType());
                };
            }
        };
    }
}
