package io.nsps.connector.logging;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code LOG_FLUSH_INTERVAL} above zero: log lines go to standard output through a 64 KB buffer that
 * is written when it is full, every interval, and when the appender stops (a reconfiguration, or the
 * JVM's shutdown: {@link LoggingSetup} flushes it then). Under load that is one write system call for
 * many lines instead of one per line (docs/performance.md has the figures); the price is
 * that a hard crash (SIGKILL, a JVM crash, an out-of-memory exit) loses the lines of up to one
 * interval.
 */
final class BufferedOutputAppender extends StandardOutputAppender {

    static final int BUFFER_BYTES = 64 * 1024;

    private final Duration interval;
    private final OutputStream target;
    private ScheduledExecutorService flusher;

    /** @param target where the lines go; never closed by the appender (standard output outlives it) */
    BufferedOutputAppender(Duration interval, OutputStream target) {
        this.interval = interval;
        this.target = target;
    }

    @Override
    public void start() {
        setImmediateFlush(false);
        setOutputStream(new BufferedOutputStream(new FilterOutputStream(target) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, BUFFER_BYTES));
        super.start();
        flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "nsps-log-flush");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1, interval.toMillis());
        flusher.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    void writeHeldLines() {
        flush();
    }

    /** Writes what the buffer holds; lines being appended wait (the same lock). */
    void flush() {
        streamWriteLock.lock();
        try {
            OutputStream out = getOutputStream();
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            addError("Cannot write the buffered log lines", e);
        } finally {
            streamWriteLock.unlock();
        }
    }

    @Override
    public void stop() {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        // Closes the buffer, which writes what it holds; the target stays open.
        super.stop();
    }
}
