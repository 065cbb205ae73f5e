package io.nsps.connector.dispatch;

/**
 * Runs a handler's code (its factory, {@code eventTypes}, {@code handle}, {@code close}) with the
 * handler's class loader as the thread's context class loader, as libraries that look classes up
 * through it (ServiceLoader users, Jackson modules) expect, and restores the previous one after.
 */
final class ContextLoader {

    /** A handler's call, which may throw. */
    @FunctionalInterface
    interface Call<T, E extends Exception> {
        T run() throws E;
    }

    private ContextLoader() {
    }

    static <T, E extends Exception> T with(ClassLoader loader, Call<T, E> call) throws E {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
