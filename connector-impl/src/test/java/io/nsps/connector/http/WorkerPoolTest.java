package io.nsps.connector.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.grizzly.threadpool.DefaultWorkerThread;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private ThreadPoolExecutor pool;

    @AfterEach
    void stop() {
        release.countDown();
        pool.shutdownNow();
    }

    @Test
    void aFreeWorkerTakesTheNextRequestInsteadOfANewOneStarting() throws Exception {
        pool = WorkerPool.create(8, 4, Duration.ofSeconds(30));
        for (int i = 0; i < 20; i++) {
            pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
            // The worker is back waiting for work before the next request comes.
            await().atMost(Duration.ofSeconds(5)).until(() -> ((LinkedTransferQueue<?>) pool.getQueue()).hasWaitingConsumer());
        }

        assertThat(pool.getLargestPoolSize()).isEqualTo(1);
    }

    @Test
    void busyWorkersGetCompanyUpToTheLimitThenRequestsWaitThenAreRefused() {
        pool = WorkerPool.create(2, 1, Duration.ofSeconds(30));
        AtomicInteger ran = new AtomicInteger();
        Runnable blocking = () -> {
            try {
                release.await();
                ran.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        pool.execute(blocking);
        pool.execute(blocking);
        pool.execute(blocking);

        assertThat(pool.getPoolSize()).as("a worker per busy request, up to the maximum").isEqualTo(2);
        assertThat(pool.getQueue()).as("the third waits").hasSize(1);
        assertThatThrownBy(() -> pool.execute(blocking)).as("the fourth is refused").isInstanceOf(RejectedExecutionException.class);

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 3);
    }

    @Test
    void idleWorkersEndAndTheirThreadsAreGrizzlyWorkers() throws Exception {
        pool = WorkerPool.create(4, 4, Duration.ofMillis(200));
        CountDownLatch started = new CountDownLatch(3);
        boolean[] grizzlyWorker = new boolean[1];
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> {
                grizzlyWorker[0] = Thread.currentThread() instanceof DefaultWorkerThread;
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.getPoolSize()).isEqualTo(3);
        assertThat(grizzlyWorker[0]).as("Grizzly's thread-local buffer pools need its worker threads").isTrue();

        release.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getPoolSize() == 0);
    }

    @Test
    void withNoQueueABusyPoolRefusesAtOnce() {
        pool = WorkerPool.create(1, 0, Duration.ofSeconds(30));
        pool.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }
}
