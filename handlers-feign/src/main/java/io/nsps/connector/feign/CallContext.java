package io.nsps.connector.feign;

import feign.Client;
import feign.Request;
import feign.RequestInterceptor;
import feign.Response;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hc.core5.concurrent.Cancellable;

/**
 * One call, on the thread that makes it (the event's own: Feign and the HTTP client run there):
 * the event's tracing headers, sent on the request (so the external system's logs join the
 * connector's); the call's deadline, at which the request is aborted; and the HTTP status that
 * came back, for the call's log line. Begun by {@link #begin} and ended by {@link #end} around
 * each call ({@code UpstreamClient.within}).
 *
 * <p><b>The deadline.</b> A blocking socket read has no deadline of its own (its timeout restarts
 * with every byte, so a server dripping its answer a byte at a time would hold the call for ever):
 * when the request is sent, {@link #sending} schedules its {@link Cancellable#cancel()} on one
 * timer thread shared by every client. Cancelling closes the request's connection, so whatever the
 * call is blocked in (connecting, sending, waiting for the head, Feign's decoder reading the body)
 * fails at once; {@link #end} unschedules it. That thread is the only one the calls use.
 *
 * <p><b>Blocked, not running.</b> A thread blocked in a socket read is runnable to the JVM. From
 * the request's sending to the call's end, the thread's blocker ({@link LockSupport#setCurrentBlocker})
 * is the call, as a parked thread's is what it parks on: the connector's worker pool reads it to
 * let another event run while this one waits (its {@code WorkerPool.isWaiting}).
 */
final class CallContext {

    private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();

    /**
     * Aborts the requests whose deadline passed (and evicts idle connections: {@code UpstreamClient}).
     * One daemon thread, started by the first call; cancelled tasks leave its queue at once.
     */
    static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Map<String, String> tracing;
    /** {@link System#nanoTime()} at the deadline. */
    private final long deadline;
    /** Set by the timer's thread when it aborts the request. */
    private volatile boolean expired;
    /** The rest only on the calling thread. */
    private ScheduledFuture<?> abort;
    private Integer status;

    private CallContext(Map<String, String> tracing, long deadline) {
        this.tracing = tracing;
        this.deadline = deadline;
    }

    /** A call begins on this thread; its request is aborted {@code deadline} ({@link System#nanoTime()}) if not over. */
    static CallContext begin(Map<String, String> tracing, long deadline) {
        CallContext call = new CallContext(tracing, deadline);
        CURRENT.set(call);
        return call;
    }

    /** The call is over, its answer read or abandoned: no abort any more, and the thread no longer blocked on it. */
    void end() {
        CURRENT.remove();
        if (abort != null) {
            abort.cancel(false);
            LockSupport.setCurrentBlocker(null);
        }
    }

    /** Whether the deadline aborted the call's request: whatever it then failed with, it had not answered in time. */
    boolean expired() {
        return expired;
    }

    /** The status of the answer, or null when none came. */
    Integer status() {
        return status;
    }

    /**
     * The request of the call now being made on this thread is about to be sent: it is aborted at
     * the call's deadline (at once if past), and until the call ends the thread is blocked on it.
     */
    static void sending(Cancellable request) {
        CallContext call = CURRENT.get();
        if (call == null) {
            return;
        }
        long delay = call.deadline - System.nanoTime();
        if (delay <= 0) {
            call.expire(request); // HttpClient then refuses to send it: "Request aborted"
            return;
        }
        call.abort = TIMER.schedule(() -> call.expire(request), delay, TimeUnit.NANOSECONDS);
        LockSupport.setCurrentBlocker(call);
    }

    private void expire(Cancellable request) {
        expired = true;
        request.cancel();
    }

    /** Adds the tracing headers of the call now being made on this thread. */
    static RequestInterceptor tracingHeaders() {
        return template -> {
            CallContext call = CURRENT.get();
            if (call != null) {
                call.tracing.forEach(template::header);
            }
        };
    }

    /** The HTTP client, recording each answer's status for the call's log line. */
    static Client recordingStatus(Client client) {
        return (Request request, Request.Options options) -> {
            Response response = client.execute(request, options);
            CallContext call = CURRENT.get();
            if (call != null) {
                call.status = response.status();
            }
            return response;
        };
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "upstream-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
