package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.glassfish.grizzly.threadpool.DefaultWorkerThread;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private WorkerPool pool;

    @AfterEach
    void stop() {
        release.countDown();
        pool.shutdownNow();
    }

    @Test
    void aFreeWorkerTakesTheNextRequestInsteadOfANewOneStarting() throws Exception {
        pool = WorkerPool.create(8, 2, 4, Duration.ofSeconds(30));
        for (int i = 0; i < 20; i++) {
            pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
            // The worker is back waiting for work before the next request comes.
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.idleWorkers() == 1);
        }

        assertThat(pool.getLargestPoolSize()).isEqualTo(1);
    }

    @Test
    void beyondTheRunningWorkersRequestsWaitAndRunInArrivalOrder() {
        pool = WorkerPool.create(8, 2, 10, Duration.ofSeconds(30));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        for (int i = 0; i < 6; i++) {
            pool.execute(() -> {
                mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                spinUntilReleased();
                running.decrementAndGet();
            });
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> running.get() == 2);
        assertThat(pool.getPoolSize()).as("no worker beyond the running ones").isEqualTo(2);
        assertThat(pool.getQueue()).hasSize(4);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getCompletedTaskCount() == 6);
        assertThat(mostRunning.get()).isEqualTo(2);
        assertThat(pool.getLargestPoolSize()).isEqualTo(2);
        assertThat(pool.reliefs()).isZero();
    }

    @Test
    void waitingRequestsRunInArrivalOrder() {
        pool = WorkerPool.create(8, 1, 10, Duration.ofSeconds(30));
        List<Integer> started = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 6; i++) {
            int request = i;
            pool.execute(() -> {
                started.add(request);
                spinUntilReleased();
            });
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 1);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> started.size() == 6);
        assertThat(started).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void aWorkerWaitingInAMarkedSectionLetsAnotherRunTheWaitingRequests() throws Exception {
        pool = WorkerPool.create(8, 1, 10, Duration.ofSeconds(30));
        CountDownLatch upstreamAnswers = new CountDownLatch(1);
        CountDownLatch secondRan = new CountDownLatch(1);
        pool.execute(() -> {
            try (io.nsps.connector.processing.Waiting.Section call = WorkerPool.blocking()) {
                upstreamAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        pool.execute(secondRan::countDown);

        assertThat(secondRan.await(5, TimeUnit.SECONDS)).as("the second request ran while the first waited").isTrue();
        assertThat(pool.reliefs()).isEqualTo(1);
        assertThat(pool.getPoolSize()).isEqualTo(2);
        upstreamAnswers.countDown();
    }

    @Test
    void aRelievedWorkerFinishesItsRequestThenWaitsForARunSlot() throws Exception {
        pool = WorkerPool.create(8, 1, 10, Duration.ofSeconds(30));
        CountDownLatch upstreamAnswers = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        Runnable cpuBound = () -> {
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            spinUntilReleased();
            running.decrementAndGet();
        };
        pool.execute(() -> {
            try (io.nsps.connector.processing.Waiting.Section call = WorkerPool.blocking()) {
                upstreamAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            firstDone.countDown();
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 1);
        pool.execute(cpuBound);
        await().atMost(Duration.ofSeconds(5)).until(() -> running.get() == 1);
        upstreamAnswers.countDown();
        assertThat(firstDone.await(5, TimeUnit.SECONDS)).isTrue();
        pool.execute(cpuBound);
        pool.execute(cpuBound);

        // The released worker finished beyond the limit; the next requests wait for the one slot.
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                .until(() -> running.get() == 1 && pool.getQueue().size() == 2);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getCompletedTaskCount() == 4);
        assertThat(mostRunning.get()).isEqualTo(1);
    }

    @Test
    void waitsThatMoreWorkersWouldNotShortenAreLeftLonger() throws Exception {
        pool = WorkerPool.create(1, 1, 0, Duration.ofSeconds(30));
        ReentrantLock logging = new ReentrantLock();
        CountDownLatch upstream = new CountDownLatch(1);
        logging.lock();
        Thread lockWaiter = new Thread(logging::lock);
        Thread upstreamWaiter = new Thread(() -> {
            try {
                upstream.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread spinner = new Thread(this::spinUntilReleased);
        // Runnable to the JVM, as a thread blocked in a socket read is, having named what it waits on (handlers-feign's calls out).
        CountDownLatch named = new CountDownLatch(1);
        Thread socketReader = new Thread(() -> {
            LockSupport.setCurrentBlocker("an upstream's answer");
            named.countDown();
            spinUntilReleased();
        });
        try {
            lockWaiter.start();
            upstreamWaiter.start();
            spinner.start();
            socketReader.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> lockWaiter.getState() == Thread.State.WAITING
                    && upstreamWaiter.getState() == Thread.State.WAITING);
            assertThat(named.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(WorkerPool.isWaiting(upstreamWaiter, 0)).as("a section begun since the last tick").isFalse();
            assertThat(WorkerPool.isWaiting(upstreamWaiter, 1)).as("waiting on an upstream").isTrue();
            assertThat(WorkerPool.isWaiting(lockWaiter, WorkerPool.RUNNABLE_TICKS - 1)).as("queued for a lock").isFalse();
            assertThat(WorkerPool.isWaiting(spinner, WorkerPool.RUNNABLE_TICKS - 1)).as("runnable").isFalse();
            assertThat(WorkerPool.isWaiting(socketReader, 0)).as("a section begun since the last tick").isFalse();
            assertThat(WorkerPool.isWaiting(socketReader, 1)).as("runnable, blocked on what it named").isTrue();
            assertThat(WorkerPool.isWaiting(lockWaiter, WorkerPool.RUNNABLE_TICKS)).isTrue();
            assertThat(WorkerPool.isWaiting(spinner, WorkerPool.RUNNABLE_TICKS)).isTrue();
        } finally {
            logging.unlock();
            upstream.countDown();
            release.countDown();
        }
    }

    @Test
    void requestsWaitUpToTheQueueLimitThenAreRefused() {
        pool = WorkerPool.create(4, 1, 1, Duration.ofSeconds(30));
        Runnable cpuBound = this::spinUntilReleased;
        pool.execute(cpuBound);
        pool.execute(cpuBound);

        assertThat(pool.getQueue()).as("the second waits").hasSize(1);
        assertThatThrownBy(() -> pool.execute(cpuBound)).as("the third is refused").isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void withNoQueueABusyPoolRefusesAtOnce() {
        pool = WorkerPool.create(4, 1, 0, Duration.ofSeconds(30));
        pool.execute(this::spinUntilReleased);

        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void withNoQueueAnIdleWorkerStillTakesTheNextRequest() throws Exception {
        pool = WorkerPool.create(4, 1, 0, Duration.ofSeconds(30));
        CountDownLatch first = new CountDownLatch(1);
        pool.execute(first::countDown);
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        // The worker now waits for the next request, keeping the only run slot.
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.idleWorkers() == 1);

        CountDownLatch second = new CountDownLatch(1);
        pool.execute(second::countDown);

        assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRequestThatThrowsDoesNotTakeItsRunSlotWithIt() throws Exception {
        pool = WorkerPool.create(4, 1, 4, Duration.ofSeconds(30));
        pool.execute(() -> {
            throw new IllegalStateException("a bug");
        });
        CountDownLatch ran = new CountDownLatch(1);
        pool.execute(ran::countDown);


        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void idleWorkersEndAndTheirThreadsAreGrizzlyWorkers() throws Exception {
        pool = WorkerPool.create(4, 1, 4, Duration.ofMillis(200));
        CountDownLatch started = new CountDownLatch(3);
        boolean[] grizzlyWorker = new boolean[1];
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> {
                grizzlyWorker[0] = Thread.currentThread() instanceof DefaultWorkerThread;
                started.countDown();
                try (io.nsps.connector.processing.Waiting.Section call = WorkerPool.blocking()) {
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
    void manySendersMixingShortWorkAndWaitsAllGetAnswered() throws Exception {
        pool = WorkerPool.create(16, 2, 100_000, Duration.ofMillis(50));
        int senders = 8;
        int perSender = 400;
        CountDownLatch done = new CountDownLatch(senders * perSender);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunningOutsideWaits = new AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < perSender; i++) {
                    boolean waits = (i + sender) % 3 == 0;
                    pool.execute(() -> {
                        try {
                            if (waits) {
                                try (io.nsps.connector.processing.Waiting.Section call = WorkerPool.blocking()) {
                                    Thread.sleep(2);
                                }
                            } else {
                                mostRunningOutsideWaits.accumulateAndGet(running.incrementAndGet(), Math::max);
                                long until = System.nanoTime() + 20_000;
                                while (System.nanoTime() < until) {
                                    Thread.onSpinWait();
                                }
                                running.decrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    });
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(done.await(60, TimeUnit.SECONDS)).as("%d requests left unanswered", done.getCount()).isTrue();
        assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(16);
        // Relieved workers finish their request beyond the limit, so a few more may run at once, not all 16.
        assertThat(mostRunningOutsideWaits.get()).isLessThan(16);
        // Every slot came back, and no more: two CPU-bound requests run together, a third waits.
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getPoolSize() == 0);
        AtomicInteger spinning = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> {
                spinning.incrementAndGet();
                spinUntilReleased();
            });
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> spinning.get() == 2);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> spinning.get() == 2 && pool.getQueue().size() == 1);
    }

    private void spinUntilReleased() {
        while (release.getCount() > 0) {
            Thread.onSpinWait();
        }
    }
}
