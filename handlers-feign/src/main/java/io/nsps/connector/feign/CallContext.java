package io.nsps.connector.feign;

import feign.Client;
import feign.Request;
import feign.RequestInterceptor;
import feign.Response;
import java.util.Map;

/**
 * What one call carries on the thread that makes it: the event's tracing headers, sent on the
 * request (so the external system's logs join the connector's), and the HTTP status that came
 * back, for the call's log line. Set by {@link #begin} and cleared by {@link #end} around each call.
 */
final class CallContext {

    private static final ThreadLocal<Map<String, String>> TRACING = new ThreadLocal<>();
    private static final ThreadLocal<Integer> STATUS = new ThreadLocal<>();

    private CallContext() {
    }

    static void begin(Map<String, String> tracing) {
        TRACING.set(tracing);
        STATUS.remove();
    }

    static void end() {
        TRACING.remove();
        STATUS.remove();
    }

    /** The status of the answer to the call now being made on this thread, or null when none came. */
    static Integer status() {
        return STATUS.get();
    }

    /** Adds the tracing headers of the call now being made on this thread. */
    static RequestInterceptor tracingHeaders() {
        return template -> {
            Map<String, String> tracing = TRACING.get();
            if (tracing != null) {
                tracing.forEach(template::header);
            }
        };
    }

    /** The HTTP client, recording each answer's status for the call's log line. */
    static Client recordingStatus(Client client) {
        return (Request request, Request.Options options) -> {
            Response response = client.execute(request, options);
            STATUS.set(response.status());
            return response;
        };
    }
}
