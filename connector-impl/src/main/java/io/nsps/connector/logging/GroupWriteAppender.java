package io.nsps.connector.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code LOG_FLUSH_INTERVAL=0} (the default): every line is written to standard output as it is
 * logged, never held for later, but the write system call is made outside any lock and lines logged
 * by other threads meanwhile share the next one (a group commit). The thread that finds no write in
 * progress becomes the writer: it writes what is pending, then whatever arrived during that write,
 * until nothing is left; a thread that finds a write in progress leaves its line to that writer and
 * returns. So a line is on its way within one write of being logged, with no thread to hand it to,
 * while under load the threads that log no longer queue behind each other's system calls (which
 * logback's console appender makes them do: its lock is held across the write).
 *
 * <p>When standard output blocks (a full pipe, a stalled log collector), the writer waits in its
 * write and loggers wait once {@link #MAX_PENDING_BYTES} are pending, as they would with logback's
 * own appender: memory stays bounded and no line is dropped.
 */
final class GroupWriteAppender extends StandardOutputAppender {

    /** Lines held while a write is in progress, at most; beyond it a logger waits for the writer. */
    static final int MAX_PENDING_BYTES = 1024 * 1024;
    private static final int INITIAL_BUFFER_BYTES = 8 * 1024;
    private static final int SHRINK_ABOVE_BYTES = 64 * 1024;
    /** How long stopping, or the JVM's exit, waits for a write in progress. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final OutputStream target;
    /** Guards both buffers, {@link #pendingLength} and {@link #writing}. */
    private final Object pendingLock = new Object();
    private byte[] pending = new byte[INITIAL_BUFFER_BYTES];
    private int pendingLength;
    /** The buffer the writer writes from, swapped with {@link #pending} at each round. */
    private byte[] batch = new byte[INITIAL_BUFFER_BYTES];
    private boolean writing;

    /** @param target where the lines go; never closed by the appender (standard output outlives it) */
    GroupWriteAppender(OutputStream target) {
        this.target = target;
    }

    @Override
    public void start() {
        setOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                // The encoder's header and footer, if any: rare, through the same path.
                writeLine(bytes, offset, length);
            }
        });
        super.start();
    }

    /** Encodes outside any lock (as logback does), then joins the group write. */
    @Override
    protected void writeOut(ILoggingEvent event) throws IOException {
        byte[] line = encoder.encode(event);
        if (line != null && line.length > 0) {
            writeLine(line, 0, line.length);
        }
    }

    private void writeLine(byte[] bytes, int offset, int length) throws IOException {
        synchronized (pendingLock) {
            // Uninterruptible, as logback's own appender's lock and a write to standard output are:
            // an interrupt must not cost the line, nor stop the appender.
            boolean interrupted = false;
            while (writing && pendingLength > 0 && pendingLength + length > MAX_PENDING_BYTES) {
                try {
                    pendingLock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            append(bytes, offset, length);
            if (writing) {
                return;
            }
            writing = true;
        }
        writePending();
    }

    /** Called by the writer only: writes rounds of pending lines until none is left. */
    private void writePending() throws IOException {
        boolean finished = false;
        try {
            while (true) {
                int length;
                byte[] toWrite;
                synchronized (pendingLock) {
                    if (pendingLength == 0) {
                        writing = false;
                        pendingLock.notifyAll();
                        finished = true;
                        return;
                    }
                    toWrite = pending;
                    length = pendingLength;
                    pending = batch;
                    pendingLength = 0;
                    batch = toWrite;
                    pendingLock.notifyAll();
                }
                target.write(toWrite, 0, length);
                if (toWrite.length > SHRINK_ABOVE_BYTES) {
                    synchronized (pendingLock) {
                        // A burst grew this buffer: let it go rather than hold it for good.
                        batch = new byte[INITIAL_BUFFER_BYTES];
                    }
                }
            }
        } finally {
            if (!finished) {
                synchronized (pendingLock) {
                    // The write failed (logback then reports it and stops the appender): what is
                    // pending is dropped rather than retried, and no logger is left waiting.
                    pendingLength = 0;
                    writing = false;
                    pendingLock.notifyAll();
                }
            }
        }
    }

    private void append(byte[] bytes, int offset, int length) {
        if (pendingLength + length > pending.length) {
            byte[] larger = new byte[Math.max(pending.length * 2, pendingLength + length)];
            System.arraycopy(pending, 0, larger, 0, pendingLength);
            pending = larger;
        }
        System.arraycopy(bytes, offset, pending, pendingLength, length);
        pendingLength += length;
    }

    /**
     * Waits until every line logged so far is written (a writer in progress finishes its rounds),
     * for up to {@code timeout}: standard output may be blocked for good.
     *
     * @return whether everything was written
     */
    boolean awaitWritten(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            synchronized (pendingLock) {
                while (writing) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(pendingLock, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return true;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    void writeHeldLines() {
        awaitWritten(EXIT_WAIT);
    }

    @Override
    protected void closeOutputStream() {
        // Standard output stays open; only wait for a write in progress.
        awaitWritten(EXIT_WAIT);
    }
}
