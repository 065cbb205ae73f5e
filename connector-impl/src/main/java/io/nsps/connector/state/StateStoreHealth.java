package io.nsps.connector.state;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the state store answered its last check ({@link StateStore#check}, run every few seconds
 * on a background thread, so that a health check never waits for a stalled database). A store that
 * stops answering is logged once, and once again when it answers again.
 */
public final class StateStoreHealth {

    private static final Logger LOG = LoggerFactory.getLogger(StateStoreHealth.class);
    static final long PERIOD_SECONDS = 5;

    private final StateStore store;
    private volatile boolean available = true;

    private StateStoreHealth(StateStore store) {
        this.store = store;
    }

    /** Checks the store now, then every {@value #PERIOD_SECONDS} s on {@code scheduler}. */
    public static StateStoreHealth watch(StateStore store, ScheduledExecutorService scheduler) {
        StateStoreHealth health = new StateStoreHealth(store);
        scheduler.scheduleWithFixedDelay(health::check, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
        return health;
    }

    /** A store that is always there (tests, and the memory store needs no watching). */
    public static StateStoreHealth always() {
        return new StateStoreHealth(null);
    }

    public boolean available() {
        return available;
    }

    void check() {
        if (store == null) {
            return;
        }
        boolean now;
        try {
            store.check();
            now = true;
        } catch (RuntimeException e) {
            now = false;
            if (available) {
                LOG.error("The state store does not answer; events are answered 503 and health reports it until it does", e);
            }
        }
        if (now && !available) {
            LOG.info("The state store answers again");
        }
        available = now;
    }
}
