package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class GroupWriteAppenderTest {

    /**
     * Standard output's stand-in: keeps each write call's bytes apart, can hold the first write
     * until released (a slow or blocked standard output), and records a close.
     */
    private static final class Target extends OutputStream {
        private final List<String> writes = new ArrayList<>();
        private final CountDownLatch firstWriteEntered = new CountDownLatch(1);
        private final CountDownLatch releaseFirstWrite;
        private volatile IOException failure;
        volatile boolean closed;

        Target(boolean holdFirstWrite) {
            releaseFirstWrite = new CountDownLatch(holdFirstWrite ? 1 : 0);
        }

        @Override
        public void write(int b) {
            throw new AssertionError("the appender writes whole lines");
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            firstWriteEntered.countDown();
            try {
                releaseFirstWrite.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (failure != null) {
                throw failure;
            }
            synchronized (writes) {
                writes.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        List<String> writes() {
            synchronized (writes) {
                return List.copyOf(writes);
            }
        }

        String text() {
            return String.join("", writes());
        }

        void awaitFirstWrite() throws InterruptedException {
            assertThat(firstWriteEntered.await(5, TimeUnit.SECONDS)).as("a write started").isTrue();
        }

        void release() {
            releaseFirstWrite.countDown();
        }
    }

    private final LoggerContext context = new LoggerContext();

    {
        // As the process's own context has one: the encoder writes the MDC of every line.
        context.setMDCAdapter(new LogbackMDCAdapter());
    }
    private final ExecutorService loggers = Executors.newCachedThreadPool();
    private Target target;
    private GroupWriteAppender appender;

    @AfterEach
    void stop() {
        if (target != null) {
            target.release();
        }
        if (appender != null) {
            appender.stop();
        }
        loggers.shutdownNow();
    }

    @Test
    void aLineIsWrittenBeforeTheLogCallReturns() {
        start(false);

        log("written at once");

        assertThat(target.writes()).singleElement().asString().contains("written at once").endsWith("\n");
    }

    @Test
    void linesLoggedDuringAWriteShareTheNextWriteAndTheirLoggersDoNotWait() throws Exception {
        start(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> log("first"), loggers);
        target.awaitFirstWrite();

        CompletableFuture<Void> others = CompletableFuture.runAsync(() -> {
            log("second");
            log("third");
        }, loggers);

        others.get(5, TimeUnit.SECONDS);
        assertThat(writer).as("the writer is still in its write").isNotDone();
        target.release();
        writer.get(5, TimeUnit.SECONDS);
        List<String> writes = target.writes();
        assertThat(writes).hasSize(2);
        assertThat(writes.get(0)).contains("first").doesNotContain("second");
        assertThat(writes.get(1)).containsSubsequence("second", "third");
    }

    @Test
    void whileStandardOutputIsBlockedLoggersWaitOnceTheBoundIsHeldAndNoLineIsLost() throws Exception {
        start(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> log("blocked"), loggers);
        target.awaitFirstWrite();
        String line = "y".repeat(4_000); // under LogText.MAX_FIELD_CHARS: whole lines
        int lines = GroupWriteAppender.MAX_PENDING_BYTES / line.length() + 5;

        CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < lines; i++) {
                log(i + ":" + line);
            }
        }, loggers);

        // The lines within the bound are held; the one beyond it waits for the writer.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !flood.isDone());
        target.release();
        flood.get(10, TimeUnit.SECONDS);
        writer.get(5, TimeUnit.SECONDS);
        String text = target.text();
        for (int i = 0; i < lines; i++) {
            assertThat(text).contains("\"" + i + ":y");
        }
    }

    @Test
    void concurrentLinesAreWrittenWholeInEachThreadsOrderAndNoneIsLost() throws Exception {
        start(false);
        int threads = 8;
        int perThread = 2_000;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            all.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perThread; i++) {
                    log("t" + thread + "-" + i);
                }
            }, loggers));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        String[] lines = target.text().split("\n");
        assertThat(lines).hasSize(threads * perThread);
        Pattern message = Pattern.compile("^\\{.*\"message\":\"t(\\d+)-(\\d+)\".*}$");
        Map<Integer, Integer> nextOfThread = new HashMap<>();
        for (String line : lines) {
            Matcher matcher = message.matcher(line);
            assertThat(matcher.matches()).as("a whole JSON line: %s", line).isTrue();
            int thread = Integer.parseInt(matcher.group(1));
            int index = Integer.parseInt(matcher.group(2));
            assertThat(index).as("thread %d's lines in order", thread).isEqualTo(nextOfThread.getOrDefault(thread, 0));
            nextOfThread.put(thread, index + 1);
        }
    }

    @Test
    void stoppingWaitsForTheWriteInProgressAndKeepsTheTargetOpen() throws Exception {
        start(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> log("in progress"), loggers);
        target.awaitFirstWrite();
        log("held");
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(appender::stop, loggers);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !stopping.isDone());
        target.release();
        stopping.get(5, TimeUnit.SECONDS);
        writer.get(5, TimeUnit.SECONDS);

        assertThat(target.text()).containsSubsequence("in progress", "held");
        assertThat(target.closed).isFalse();
    }

    @Test
    void aFailedWriteIsReportedAndLeavesNoLoggerWaiting() throws Exception {
        start(true);
        target.failure = new IOException("standard output closed");
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> log("lost with the write"), loggers);
        target.awaitFirstWrite();
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> log("held behind it"), loggers);
        other.get(5, TimeUnit.SECONDS);

        target.release();
        writer.get(5, TimeUnit.SECONDS);

        assertThat(context.getStatusManager().getCopyOfStatusList())
                .anySatisfy(status -> assertThat(status.getLevel()).isEqualTo(Status.ERROR));
        assertThat(appender.awaitWritten(Duration.ofSeconds(1))).as("no write left in progress").isTrue();
        CompletableFuture.runAsync(() -> log("after the failure"), loggers).get(5, TimeUnit.SECONDS);
    }

    private void start(boolean holdFirstWrite) {
        target = new Target(holdFirstWrite);
        appender = new GroupWriteAppender(target);
        appender.setContext(context);
        appender.setEncoder(LoggingSetup.encoder(LogFormat.JSON, context));
        appender.start();
    }

    private void log(String message) {
        appender.doAppend(new LoggingEvent(GroupWriteAppenderTest.class.getName(), context.getLogger("test"), Level.INFO, message, null,
                null));
    }
}
