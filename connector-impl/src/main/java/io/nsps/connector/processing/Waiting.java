package io.nsps.connector.processing;

/**
 * Marks the stretches of a request's work that wait on something other than a core (a body still
 * arriving, a state store call, another delivery's lock, a handler's call out), so that the thread
 * running it can let another request run meanwhile. Supplied by the server (its worker pool, see
 * {@code server.WorkerPool}); the code that waits only opens and closes a {@link Section}, on one
 * thread, and knows nothing of how requests are scheduled.
 */
@FunctionalInterface
public interface Waiting {

    /** Nothing to tell: for code run outside the server's workers (tests, benchmarks). */
    Waiting NONE = () -> () -> { };

    /** Opens a section; close it, on the same thread, when the wait is over. */
    Section enter();

    /** A stretch that may wait. */
    interface Section extends AutoCloseable {
        @Override
        void close();
    }
}
