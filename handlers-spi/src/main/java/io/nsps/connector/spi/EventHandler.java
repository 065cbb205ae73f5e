package io.nsps.connector.spi;

import io.nsps.connector.model.Event;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Provisions one external system from NSPS events.
 *
 * <p>Threading: {@link #handle} is called concurrently from the connector's worker threads, one
 * call per event delivery; implementations must be thread-safe. A call should finish well within
 * the sender's timeout: bound every network call it makes. The connector runs a few workers at a
 * time and lets another event run while one waits: a worker parked, or one that names what it
 * blocks on with {@link java.util.concurrent.locks.LockSupport#setCurrentBlocker} (set before a
 * blocking socket read, cleared after), counts as waiting. A thread blocked in a socket read
 * otherwise looks runnable; handlers-feign's client does this for its calls.
 *
 * <p>Delivery: NSPS re-sends an event whenever it did not receive a 2xx answer, so {@code handle}
 * may see the same event more than once and must be safe to repeat.
 */
public interface EventHandler extends AutoCloseable {

    /**
     * The event types this handler takes, fixed for its lifetime. Each entry is an exact type
     * ({@code SIM/Updated}), a prefix pattern ending in {@code /*} ({@code SIM/*} matches
     * {@code SIM/Updated} and {@code SIM/Card/Changed} but not {@code SIMX/Updated}), or {@code *}
     * (every type).
     */
    Set<String> eventTypes();

    /**
     * Handles one event whose type matched {@link #eventTypes()}. The event has been authenticated
     * and validated against the connector's OpenAPI schema: {@code event_id} and
     * {@code data.event_type} are present; everything else may be absent or null.
     *
     * <p>The event is this handler's own: when several handlers take one event, each gets its own
     * copy, so a change one makes (the models are mutable) is seen by no other handler, nor by the
     * connector, which read what it needs before any handler ran.
     *
     * @return what was done, as a short sentence NSPS stores with the event
     * @throws HandlerException when the event was not provisioned; its subtype decides the status
     *     NSPS receives and so whether NSPS retries
     */
    HandlerResult handle(Event event) throws HandlerException;

    /**
     * The external systems this handler calls (their base URLs), for {@code nsps-connector
     * check-config}, which resolves each, connects to it and, for https, completes a TLS handshake.
     * Empty by default.
     *
     * @since 0.2 (a default method: handlers compiled against an older SPI still load)
     */
    default List<URI> endpoints() {
        return List.of();
    }

    /** Releases resources at shutdown, after the last {@link #handle} call has returned. */
    @Override
    default void close() {
    }
}
