package io.nsps.connector.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap a burst of events grew back to the system once no event has arrived for
 * {@code IDLE_MEMORY_RETURN_AFTER} ({@code 0} turns it off): the launcher's serial collector returns
 * memory only at a full collection, and an idle connector allocates nothing that would cause one,
 * so without this a connector billed for its memory stays at its peak for good (the measurements:
 * docs/performance.md). G1's periodic collection (G1PeriodicGCInterval) does the same for G1.
 *
 * <p>One full collection per quiet period, after at least one event, with the heap's free-ratio
 * bounds lowered for it so the heap shrinks to about its live size; they are restored right after,
 * so growth under load is as before. Health checks are not events: a probed, idle connector is
 * idle. The collection pauses the process for a time that grows with the live heap (a full memory
 * store takes longest); a request arriving meanwhile waits that long.
 */
public final class IdleMemoryReturn implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IdleMemoryReturn.class);
    /** While shrinking: keep at most 20% of the heap free (then back to the JVM's bounds). */
    private static final String SHRINK_MIN_FREE = "10";
    private static final String SHRINK_MAX_FREE = "20";

    private final LongAdder events = new LongAdder();
    private final Duration quietPeriod;
    private final LongSupplier nanoTime;
    private final Runnable returnMemory;
    /** Looks periodically; none when turned off (and in tests, which call {@link #check()}). */
    private ScheduledExecutorService timer;
    private long eventsAtLastLook;
    private long quietSince;
    private boolean eventSinceLastReturn;

    IdleMemoryReturn(Duration quietPeriod, LongSupplier nanoTime, Runnable returnMemory) {
        this.quietPeriod = quietPeriod;
        this.nanoTime = nanoTime;
        this.returnMemory = returnMemory;
        this.quietSince = nanoTime.getAsLong();
    }

    /** Started, or inert when {@code quietPeriod} is zero. */
    public static IdleMemoryReturn start(Duration quietPeriod) {
        IdleMemoryReturn idle = new IdleMemoryReturn(quietPeriod, System::nanoTime, IdleMemoryReturn::collectAndShrink);
        if (!quietPeriod.isZero()) {
            idle.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "nsps-idle-memory");
                thread.setDaemon(true);
                return thread;
            });
            long periodMs = Math.max(100, Math.min(5_000, quietPeriod.toMillis() / 4));
            idle.timer.scheduleWithFixedDelay(idle::check, periodMs, periodMs, TimeUnit.MILLISECONDS);
        }
        return idle;
    }

    /** Called for every event request: cheap and contention-free. */
    public void eventArrived() {
        events.increment();
    }

    /** Runs {@code returnMemory} once the events stopped for the quiet period; called periodically. */
    void check() {
        long seen = events.sum();
        long now = nanoTime.getAsLong();
        if (seen != eventsAtLastLook) {
            eventsAtLastLook = seen;
            quietSince = now;
            eventSinceLastReturn = true;
            return;
        }
        if (eventSinceLastReturn && !quietPeriod.isZero() && now - quietSince >= quietPeriod.toNanos()) {
            eventSinceLastReturn = false;
            try {
                returnMemory.run();
            } catch (RuntimeException e) {
                LOG.warn("Returning idle memory failed", e);
            }
        }
    }

    static void collectAndShrink() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = memory.getHeapMemoryUsage().getCommitted();
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String minFree = null;
        String maxFree = null;
        try {
            if (hotspot != null) {
                minFree = hotspot.getVMOption("MinHeapFreeRatio").getValue();
                maxFree = hotspot.getVMOption("MaxHeapFreeRatio").getValue();
                // Lowered minimum first, restored maximum first: the JVM refuses a minimum above the maximum.
                hotspot.setVMOption("MinHeapFreeRatio", SHRINK_MIN_FREE);
                hotspot.setVMOption("MaxHeapFreeRatio", SHRINK_MAX_FREE);
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // A JVM without these manageable flags: the collection alone still returns what its defaults allow.
        }
        try {
            System.gc();
        } finally {
            if (hotspot != null && maxFree != null) {
                hotspot.setVMOption("MaxHeapFreeRatio", maxFree);
                hotspot.setVMOption("MinHeapFreeRatio", minFree);
            }
        }
        LOG.info("No event for a while: heap returned to the system, {} MB -> {} MB committed", before >> 20,
                memory.getHeapMemoryUsage().getCommitted() >> 20);
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
