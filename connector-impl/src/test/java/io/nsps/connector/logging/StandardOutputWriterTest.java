package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
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

/**
 * The appender every line goes through ({@link LoggingSetup#standardOutput}), over a stand-in for
 * standard output that can be held blocked: no line is dropped, none is cut or interleaved, each
 * thread's lines keep their order, memory is bounded while standard output blocks, and the lines
 * still waiting are written when the appender stops (at exit).
 */
final class StandardOutputWriterTest {

    /** Standard output's stand-in: can hold every write until released (a blocked pipe). */
    private static final class Target extends OutputStream {
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private final CountDownLatch firstWriteEntered = new CountDownLatch(1);
        private final CountDownLatch release;

        Target(boolean blocked) {
            release = new CountDownLatch(blocked ? 1 : 0);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (length == 0) {
                return;
            }
            firstWriteEntered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            synchronized (written) {
                written.write(bytes, offset, length);
            }
        }

        String text() {
            synchronized (written) {
                return written.toString(StandardCharsets.UTF_8);
            }
        }

        void awaitFirstWrite() throws InterruptedException {
            assertThat(firstWriteEntered.await(5, TimeUnit.SECONDS)).as("a write started").isTrue();
        }

        void release() {
            release.countDown();
        }
    }

    private final LoggerContext context = new LoggerContext();

    {
        // As the process's own context has one: the encoder writes the MDC of every line.
        context.setMDCAdapter(new LogbackMDCAdapter());
    }
    private final ExecutorService loggers = Executors.newCachedThreadPool();
    private Target target;
    private Appender<ILoggingEvent> appender;

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
    void aLoggingThreadDoesNotWaitForAWriteInProgress() throws Exception {
        start(true);
        log("first");
        target.awaitFirstWrite();

        CompletableFuture.runAsync(() -> log("second"), loggers).get(5, TimeUnit.SECONDS);

        target.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> target.text().contains("second"));
        assertThat(target.text()).containsSubsequence("first", "second");
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
        await().atMost(Duration.ofSeconds(30)).until(() -> target.text().split("\n").length == threads * perThread);

        Pattern message = Pattern.compile("^\\{.*\"message\":\"t(\\d+)-(\\d+)\".*}$");
        Map<Integer, Integer> nextOfThread = new HashMap<>();
        for (String line : target.text().split("\n")) {
            Matcher matcher = message.matcher(line);
            assertThat(matcher.matches()).as("a whole JSON line: %s", line).isTrue();
            int thread = Integer.parseInt(matcher.group(1));
            int index = Integer.parseInt(matcher.group(2));
            assertThat(index).as("thread %d's lines in order", thread).isEqualTo(nextOfThread.getOrDefault(thread, 0));
            nextOfThread.put(thread, index + 1);
        }
    }

    @Test
    void whileStandardOutputIsBlockedLoggersWaitOnceTheBoundIsReachedAndNoLineIsLost() throws Exception {
        start(true);
        log("blocked");
        target.awaitFirstWrite();
        int lines = LoggingSetup.MAX_WAITING_LINES + 100;

        CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < lines; i++) {
                log("line-" + i);
            }
        }, loggers);

        // The lines within the bound wait in memory; the one beyond it waits for room.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !flood.isDone());
        target.release();
        flood.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> target.text().contains("\"line-" + (lines - 1) + "\""));
        String text = target.text();
        for (int i = 0; i < lines; i++) {
            assertThat(text).contains("\"line-" + i + "\"");
        }
    }

    @Test
    void stoppingWritesTheLinesStillWaiting() throws Exception {
        start(true);
        for (int i = 0; i < 100; i++) {
            log("waiting-" + i);
        }
        target.awaitFirstWrite();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(appender::stop, loggers);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !stopping.isDone());
        target.release();
        stopping.get(LoggingSetup.EXIT_DRAIN.toSeconds() + 5, TimeUnit.SECONDS);

        String text = target.text();
        for (int i = 0; i < 100; i++) {
            assertThat(text).contains("\"waiting-" + i + "\"");
        }
    }

    private void start(boolean blocked) {
        target = new Target(blocked);
        OutputStreamAppender<ILoggingEvent> output = new OutputStreamAppender<>();
        output.setContext(context);
        output.setEncoder(LoggingSetup.encoder(LogFormat.JSON, context));
        output.setImmediateFlush(false);
        output.setOutputStream(target);
        output.start();
        appender = LoggingSetup.standardOutput(context, output);
    }

    private void log(String message) {
        appender.doAppend(new LoggingEvent(StandardOutputWriterTest.class.getName(), context.getLogger("test"), Level.INFO, message, null,
                null));
    }
}
