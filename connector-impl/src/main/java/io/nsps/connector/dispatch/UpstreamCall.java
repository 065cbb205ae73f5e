package io.nsps.connector.dispatch;

/**
 * One call a handler told the connector of ({@code HandlerContext.recordUpstreamCall}) while it
 * handled an event: for the event's journal entry.
 */
public record UpstreamCall(String handler, String action, int status, long millis) {

    /** The calls of the event being dispatched on this thread, when its dispatcher collects them. */
    private static final ThreadLocal<java.util.List<UpstreamCall>> COLLECTING = new ThreadLocal<>();

    static void collectInto(java.util.List<UpstreamCall> calls) {
        COLLECTING.set(calls);
    }

    static void stopCollecting() {
        COLLECTING.remove();
    }

    /** Adds a call to the event dispatched on this thread; a call outside a dispatch is not kept. */
    static void record(UpstreamCall call) {
        java.util.List<UpstreamCall> calls = COLLECTING.get();
        if (calls != null) {
            calls.add(call);
        }
    }
}
