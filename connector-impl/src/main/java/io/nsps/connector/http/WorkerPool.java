package io.nsps.connector.http;

import java.time.Duration;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.memory.MemoryManager;
import org.glassfish.grizzly.memory.ThreadLocalPoolProvider;
import org.glassfish.grizzly.threadpool.DefaultWorkerThread;

/**
 * The server's worker pool: up to {@code WORKER_THREADS} workers, started when a request finds none
 * free and ending after an idle lifetime, and at most {@code WORKER_QUEUE} requests waiting when
 * all are busy (one more is refused).
 *
 * <p>Why not Grizzly's own pools: its fixed pool keeps every worker for good, and each Grizzly
 * worker keeps up to 16 recycled request/response objects of ~20 KB (~40 MB over 128 workers, held
 * after any burst); its shrinking pool hands work over under one lock with notify, and a JDK pool on
 * a LinkedBlockingQueue did no better (measured: p99 at 64 connections 15-20 ms worse than the fixed
 * pool for both). A JDK pool on a transfer queue, as here, matches the fixed pool. Its threads are
 * Grizzly worker threads, the only kind Grizzly gives thread-local buffer pools and object caches.
 */
final class WorkerPool {

    private WorkerPool() {
    }

    /** Not managed by Grizzly: whoever creates it stops it. */
    static ThreadPoolExecutor create(int maxWorkers, int maxWaiting, Duration idleLifetime) {
        MemoryManager memory = MemoryManager.DEFAULT_MEMORY_MANAGER;
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory threads = task -> {
            DefaultWorkerThread thread = new DefaultWorkerThread(Grizzly.DEFAULT_ATTRIBUTE_BUILDER, "nsps-worker(" + counter.incrementAndGet() + ")",
                    memory instanceof ThreadLocalPoolProvider pools ? pools.createThreadLocalPool() : null, task);
            thread.setDaemon(true);
            return thread;
        };
        WorkQueue queue = new WorkQueue(maxWaiting);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, maxWorkers, idleLifetime.toMillis(), TimeUnit.MILLISECONDS,
                queue, threads, (task, executor) -> {
                    // All workers started meanwhile: wait in the queue after all, if there is room
                    // (and the pool is still running: a queued task of a stopped pool would never run).
                    if (executor.isShutdown() || !queue.enqueue(task)) {
                        throw new RejectedExecutionException("all " + maxWorkers + " workers busy and " + maxWaiting + " requests waiting");
                    }
                });
        queue.pool = pool;
        return pool;
    }

    /**
     * A request goes straight to a waiting worker (a transfer, as in Grizzly's fixed pool); when
     * none waits, the pool is told to start one (offer refuses); only when all are started does it
     * wait here, up to {@code limit}. size() walks the queue, which is short: empty while workers are
     * free, at most {@code limit} otherwise.
     */
    private static final class WorkQueue extends LinkedTransferQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private final int limit;
        private transient volatile ThreadPoolExecutor pool;

        WorkQueue(int limit) {
            this.limit = limit;
        }

        @Override
        public boolean offer(Runnable task) {
            if (tryTransfer(task)) {
                return true;
            }
            if (pool.getPoolSize() < pool.getMaximumPoolSize()) {
                return false;
            }
            return enqueue(task);
        }

        boolean enqueue(Runnable task) {
            return size() < limit && super.offer(task);
        }
    }
}
