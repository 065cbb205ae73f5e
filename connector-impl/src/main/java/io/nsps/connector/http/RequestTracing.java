package io.nsps.connector.http;

/**
 * MDC keys set while serving an event: every log line written for it carries them, and the
 * access line reads them back.
 */
final class RequestTracing {

    static final String EVENT_ID = "event_id";
    static final String EVENT_TYPE = "event_type";
    static final String OUTCOME = "outcome";

    static final String START_NANOS = "nsps.start";
    static final String TRACE_HEADER = "x-b3-traceid";
    static final String REQUEST_ID_HEADER = "x-request-id";

    private RequestTracing() {
    }
}
