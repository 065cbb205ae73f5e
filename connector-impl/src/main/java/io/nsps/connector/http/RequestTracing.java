package io.nsps.connector.http;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * MDC keys set while serving an event (every log line written for it carries them, and the
 * access line reads them back), and the ids generated for requests and errors.
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

    /**
     * A new request or correlation id: a version-4 UUID from {@link ThreadLocalRandom}. Such an id
     * needs to be unique, not unpredictable, and {@link UUID#randomUUID()} costs a SecureRandom draw
     * (SHA-1 and a lock) per request.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(most, least).toString();
    }
}
