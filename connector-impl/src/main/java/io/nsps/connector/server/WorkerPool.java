package io.nsps.connector.server;

import io.nsps.connector.processing.Waiting;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.memory.MemoryManager;
import org.glassfish.grizzly.memory.ThreadLocalPoolProvider;
import org.glassfish.grizzly.threadpool.DefaultWorkerThread;

/**
 * The server's worker pool. At most {@code RUNNING_WORKERS} workers run requests at once (by default
 * four per core, eight on PostgreSQL: ConnectorConfigLoader); further requests wait in arrival
 * order, up to {@code WORKER_QUEUE} of them (one more is refused). A worker that waits on
 * something else (an upstream call, a body still arriving, another delivery's lock), marked by
 * {@link #blocking()}, stops counting once it has waited {@link #TICK}: another worker is woken or
 * started for the waiting requests, up to {@code WORKER_THREADS} threads in all. Workers idle for
 * their lifetime end.
 *
 * <p>Why: the work per request is CPU-bound until a handler calls out. With a worker per request
 * in flight (what a plain pool does), concurrent requests are as many runnable threads that the OS
 * scheduler interleaves in no particular order, and the last ones wait for all the others. Run a
 * few at a time, in order, each request waits only for those ahead of it (the measurements:
 * docs/performance.md, "What each custom mechanism is for"). Blocking
 * is detected late (after {@link #TICK}, by a monitor thread) rather than at every
 * marked section, because most marked sections are short (a handler that only logs, an uncontended
 * lock) and handing work over at each would cost two thread switches per request.
 *
 * <p>A worker keeps its run slot from one request to the next while requests wait, so under load
 * requests pass from the queue to running workers without a thread switch. Its threads are Grizzly
 * worker threads, the only kind Grizzly gives thread-local buffer pools and object caches. Grizzly's
 * own pools are not used: its fixed pool keeps every worker for good, each with its recycled
 * request/response objects; its shrinking pool hands work over under one lock with notify, where
 * this pool hands a request straight to a waiting worker by counting the idle ones (see
 * {@link WorkQueue}).
 */
final class WorkerPool extends ThreadPoolExecutor {

    /** How often the monitor looks for blocked workers: a section waiting for longer no longer holds a run slot. */
    static final Duration TICK = Duration.ofMillis(1);
    /**
     * After this many ticks, a section gives up its slot whatever its thread seems to be doing (a
     * handler blocked in a socket read is runnable to the JVM). Not less: with several workers per
     * core, selector threads and the JIT, a worker that only waits for a core often waits 5 ms, and
     * relieving it then starts threads for nothing (docs/performance.md).
     */
    static final int RUNNABLE_TICKS = 20;
    /** The monitor parks after this many ticks without an open section, until one opens. */
    private static final int QUIET_TICKS = 10;

    /** Not a request: makes the pool start a worker that takes a run slot already reserved for it. */
    private static final Runnable START_WORKER = () -> { };

    private static final Waiting.Section NOT_COUNTED = () -> { };

    private final int maxRunning;
    private final Semaphore runSlots;
    private final WorkQueue queue;
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger openSections = new AtomicInteger();
    private final AtomicLong reliefs = new AtomicLong();
    private final Thread monitor;
    private volatile boolean monitorParked;
    /** The monitor's tick count; written by the monitor only. */
    private volatile long ticks;

    private WorkerPool(int maxWorkers, int maxRunning, WorkQueue queue, Duration idleLifetime) {
        super(0, maxWorkers, idleLifetime.toMillis(), TimeUnit.MILLISECONDS, queue);
        this.maxRunning = maxRunning;
        this.runSlots = new Semaphore(maxRunning);
        this.queue = queue;
        queue.pool = this;
        MemoryManager<?> memory = MemoryManager.DEFAULT_MEMORY_MANAGER;
        AtomicInteger counter = new AtomicInteger();
        setThreadFactory(task -> {
            Worker worker = new Worker(this, "nsps-worker(" + counter.incrementAndGet() + ")",
                    memory instanceof ThreadLocalPoolProvider pools ? pools.createThreadLocalPool() : null, task);
            worker.setDaemon(true);
            return worker;
        });
        setRejectedExecutionHandler((task, executor) -> {
            // offer() reserved a run slot for this task, but no thread could be started: all
            // WORKER_THREADS exist (the task waits for one of them), or the pool is stopping.
            if (executor.isShutdown()) {
                throw new RejectedExecutionException("the server is stopping");
            }
            runSlots.release();
            if (task == START_WORKER || !queue.enqueue(task)) {
                throw new RejectedExecutionException("all " + maxWorkers + " workers busy and the queue full");
            }
        });
        this.monitor = new Thread(this::monitorBlockedWorkers, "nsps-worker-monitor");
        monitor.setDaemon(true);
        monitor.start();
    }

    /** Not managed by Grizzly: whoever creates it stops it. */
    static WorkerPool create(int maxWorkers, int maxRunning, int maxWaiting, Duration idleLifetime) {
        if (maxRunning < 1 || maxRunning > maxWorkers) {
            throw new IllegalArgumentException("running workers must be between 1 and the number of workers");
        }
        return new WorkerPool(maxWorkers, maxRunning, new WorkQueue(maxWaiting), idleLifetime);
    }

    /** The seam the rest of the connector sees ({@link Waiting}): {@link #blocking()}. */
    static final Waiting WAITING = WorkerPool::blocking;

    /**
     * Marks the calling worker as possibly waiting until the returned section is closed: if it
     * waits there for more than a {@link #TICK} or two, the worker no longer counts against
     * {@code RUNNING_WORKERS} and another one runs the waiting requests. Costs a few volatile
     * accesses; on a thread that is not one of this pool's workers (or already in a section)
     * it does nothing.
     */
    static Waiting.Section blocking() {
        return Thread.currentThread() instanceof Worker worker ? worker.enterSection() : NOT_COUNTED;
    }

    /** Workers waiting for a request (each holds a run slot). */
    int idleWorkers() {
        return queue.idleWorkers.get();
    }

    /** How many times a blocked worker's run slot was given to another. */
    long reliefs() {
        return reliefs.get();
    }

    @Override
    protected void beforeExecute(Thread thread, Runnable task) {
        // A task given to a new worker (offer() refused it after reserving a slot) comes with its slot.
        ((Worker) thread).holdsSlot = true;
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
        Worker worker = (Worker) Thread.currentThread();
        if (thrown != null && worker.holdsSlot) {
            // The worker ends with the exception: its slot must not end with it.
            worker.holdsSlot = false;
            runSlots.release();
        }
    }

    @Override
    protected void terminated() {
        LockSupport.unpark(monitor);
    }

    /**
     * Every tick ({@link #TICK}): a worker whose section was already open at the previous tick and
     * is waiting (see {@link #isWaiting}) gives up its run slot, and the waiting requests get another
     * worker. Time is counted in the monitor's own ticks, not by the clock, so a collection pause
     * (which stops the monitor too) does not make every open section look long. Parks while no
     * section has been open for a while.
     */
    private void monitorBlockedWorkers() {
        long quietSince = 0;
        while (!isTerminated()) {
            long tick = ticks + 1;
            ticks = tick;
            if (openSections.get() > 0) {
                quietSince = tick;
            } else if (tick - quietSince > QUIET_TICKS) {
                monitorParked = true;
                if (openSections.get() == 0 && !isTerminated()) {
                    LockSupport.park(this);
                }
                monitorParked = false;
                continue;
            }
            LockSupport.parkNanos(this, TICK.toNanos());
            for (Worker worker : workers) {
                if (worker.section.get() == Worker.WAITING && isWaiting(worker, ticks - worker.sectionTick)
                        && worker.section.compareAndSet(Worker.WAITING, Worker.RELIEVED)) {
                    reliefs.incrementAndGet();
                    runSlots.release();
                    // A spare worker waiting for a slot takes this one; otherwise one starts if requests wait.
                    startWorkerIfRequestsWait();
                }
            }
        }
    }

    /**
     * Whether a worker whose section has been open for {@code ticksOpen} ticks is waiting for
     * something that more running workers will not bring sooner. Parked on a future, a condition or
     * a sleep, in a section open since before the previous tick (1 to 2 ms): yes, since the time a
     * waiting worker holds a slot is lost to the requests queued. Runnable (it most likely waits for a core: with
     * several workers per core it often does for longer than a tick) or queued for a lock that
     * another worker holds (logging's, say; the holder needs a core, not company): only after
     * {@link #RUNNABLE_TICKS}, because a thread blocked in a socket read is runnable to the JVM,
     * and a lock's holder may itself be waiting on an upstream. Unless it named what it is blocked
     * on with {@link LockSupport#setCurrentBlocker} (a runnable thread has no blocker otherwise: a
     * park clears its own on waking): handlers-feign's calls out do while they are sent and
     * answered, so that a call blocked in a socket read counts as a wait, as a park does.
     */
    static boolean isWaiting(Thread worker, long ticksOpen) {
        if (ticksOpen < 1) {
            return false;
        }
        if (ticksOpen >= RUNNABLE_TICKS) {
            return true;
        }
        Object blocker = LockSupport.getBlocker(worker);
        Class<?> lock = blocker == null ? null : blocker.getClass().getEnclosingClass();
        if (lock == ReentrantLock.class || lock == ReentrantReadWriteLock.class) {
            return false;
        }
        return worker.getState() != Thread.State.RUNNABLE || blocker != null;
    }

    /** Called with no run slot held by the caller, after a slot was freed or a request queued. */
    private void startWorkerIfRequestsWait() {
        if (!queue.isEmpty() && !isShutdown() && !runSlots.hasQueuedThreads() && runSlots.tryAcquire()) {
            if (queue.isEmpty()) {
                runSlots.release();
                return;
            }
            try {
                execute(START_WORKER);
            } catch (RejectedExecutionException e) {
                // All WORKER_THREADS exist: the requests wait for one of them.
            }
        }
    }

    /**
     * A request goes to an idle worker when one waits here; when none does and a run slot is free,
     * the pool is told to start a worker for it (offer refuses, the slot goes with the request);
     * otherwise it waits here, up to {@code limit}, for a running worker to finish.
     *
     * <p>Not a LinkedTransferQueue, whose transfer would suit: in JDK 17 its timed poll can fail to
     * time out and spin (JDK-8301341, fixed in 22). Seen here: after a stress test, an idle worker
     * spun in it for good instead of ending after its 50 ms lifetime, in about one run in fifteen.
     */
    private static final class WorkQueue extends LinkedBlockingQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private final int limit;
        /** Workers holding a run slot and waiting in poll() for a request. */
        private final AtomicInteger idleWorkers = new AtomicInteger();
        private transient volatile WorkerPool pool;

        WorkQueue(int limit) {
            this.limit = limit;
        }

        @Override
        public boolean offer(Runnable task) {
            if (task == START_WORKER) {
                return false;
            }
            int idle = idleWorkers.get();
            if (idle > 0 && size() < idle + limit && super.offer(task)) {
                // An idle worker takes it (so it does not count against WORKER_QUEUE, which bounds the
                // requests left waiting: with WORKER_QUEUE=0 an idle worker, holding the only run slot,
                // would otherwise refuse everything); one timing out meanwhile looks at the queue once
                // more before it ends.
                return true;
            }
            // A free slot goes to a spare worker already waiting for one (the release woke it) rather
            // than to a new thread: otherwise spares wait out their idle lifetime while threads pile up.
            if (!pool.runSlots.hasQueuedThreads() && pool.runSlots.tryAcquire()) {
                return false;
            }
            if (!enqueue(task)) {
                throw new RejectedExecutionException("all " + pool.maxRunning + " running workers busy and " + limit + " requests waiting");
            }
            // A slot freed between the tryAcquire above and the enqueue would otherwise leave the request waiting.
            if (pool.runSlots.availablePermits() > 0) {
                pool.startWorkerIfRequestsWait();
            }
            return true;
        }

        boolean enqueue(Runnable task) {
            return size() < limit && super.offer(task);
        }

        /**
         * A worker's next request. One holding a run slot keeps it while it waits; one without (it
         * gave its slot up while blocked) waits for a slot first. Null after the idle lifetime: the
         * worker ends, giving its slot back.
         */
        @Override
        public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            Worker worker = (Worker) Thread.currentThread();
            long started = System.nanoTime();
            long nanos = unit.toNanos(timeout);
            while (true) {
                // Elapsed time, not a deadline, so that take()'s Long.MAX_VALUE does not overflow.
                long remaining = nanos - (System.nanoTime() - started);
                if (!worker.holdsSlot) {
                    if (!pool.runSlots.tryAcquire(Math.max(0, remaining), TimeUnit.NANOSECONDS)) {
                        return null;
                    }
                    worker.holdsSlot = true;
                }
                Runnable task;
                idleWorkers.incrementAndGet();
                try {
                    task = super.poll(Math.max(0, nanos - (System.nanoTime() - started)), TimeUnit.NANOSECONDS);
                } finally {
                    idleWorkers.decrementAndGet();
                }
                if (task != null) {
                    return task;
                }
                worker.holdsSlot = false;
                pool.runSlots.release();
                // A request queued while this slot was about to be released would otherwise wait.
                if (isEmpty()) {
                    return null;
                }
            }
        }

        @Override
        public Runnable take() throws InterruptedException {
            return poll(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        }
    }

    /** A pool thread; its section state is shared with the monitor, its slot flag is its own. */
    private static final class Worker extends DefaultWorkerThread implements Waiting.Section {
        static final int RUNNING = 0;
        static final int WAITING = 1;
        static final int RELIEVED = 2;

        private final WorkerPool pool;
        final AtomicInteger section = new AtomicInteger(RUNNING);
        volatile long sectionTick;
        /** Whether this worker counts against the running limit; read and written by this thread only. */
        boolean holdsSlot;

        Worker(WorkerPool pool, String name, org.glassfish.grizzly.memory.ThreadLocalPool<?> buffers, Runnable task) {
            super(Grizzly.DEFAULT_ATTRIBUTE_BUILDER, name, buffers, task);
            this.pool = pool;
        }

        @Override
        public void run() {
            pool.workers.add(this);
            try {
                super.run();
            } finally {
                pool.workers.remove(this);
            }
        }

        Waiting.Section enterSection() {
            if (!holdsSlot || section.get() != RUNNING) {
                return NOT_COUNTED;
            }
            sectionTick = pool.ticks;
            section.set(WAITING);
            if (pool.openSections.getAndIncrement() == 0 && pool.monitorParked) {
                LockSupport.unpark(pool.monitor);
            }
            return this;
        }

        @Override
        public void close() {
            pool.openSections.decrementAndGet();
            if (!section.compareAndSet(WAITING, RUNNING)) {
                // The monitor gave this worker's slot to another: finish this request beyond the
                // limit, then wait for a slot before the next one.
                section.set(RUNNING);
                holdsSlot = false;
            }
        }
    }
}
