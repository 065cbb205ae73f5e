package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class BufferedOutputAppenderTest {

    /** Standard output's stand-in: what was written to it, and whether anyone closed it. */
    private static final class Target extends ByteArrayOutputStream {
        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
        }

        String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }

    private final LoggerContext context = new LoggerContext();

    {
        // As the process's own context has one: the encoder writes the MDC of every line.
        context.setMDCAdapter(new LogbackMDCAdapter());
    }
    private final Target target = new Target();
    private BufferedOutputAppender appender;

    @AfterEach
    void stop() {
        if (appender != null) {
            appender.stop();
        }
    }

    @Test
    void linesAreWrittenOnceTheIntervalHasPassed() {
        start(Duration.ofMillis(300));

        log("first line");

        assertThat(target.text()).as("held in the buffer").isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> target.text().contains("first line"));
    }

    @Test
    void aFullBufferIsWrittenWithoutWaiting() {
        start(Duration.ofSeconds(10));

        String line = "x".repeat(1_000);
        for (int i = 0; i < BufferedOutputAppender.BUFFER_BYTES / line.length() + 1; i++) {
            log(line);
        }

        assertThat(target.size()).isGreaterThan(BufferedOutputAppender.BUFFER_BYTES / 2);
    }

    @Test
    void stoppingWritesWhatIsLeftAndKeepsTheTargetOpen() {
        start(Duration.ofSeconds(10));
        log("last words");

        appender.stop();

        assertThat(target.text()).contains("last words");
        assertThat(target.closed).isFalse();
    }

    @Test
    void flushWritesAtOnce() {
        start(Duration.ofSeconds(10));
        log("on demand");

        appender.flush();

        assertThat(target.text()).contains("on demand");
    }

    private void start(Duration interval) {
        appender = new BufferedOutputAppender(interval, target);
        appender.setContext(context);
        appender.setEncoder(LoggingSetup.encoder(LogFormat.JSON, context));
        appender.start();
    }

    private void log(String message) {
        appender.doAppend(new LoggingEvent(BufferedOutputAppenderTest.class.getName(), context.getLogger("test"), Level.INFO, message, null,
                null));
    }
}
