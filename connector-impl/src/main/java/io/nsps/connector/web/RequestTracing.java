package io.nsps.connector.web;

import static net.logstash.logback.argument.StructuredArguments.v;

import io.nsps.connector.logging.LogText;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.logging.LoggingSetup;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The tracing of a request, for every layer that answers one (the web layer, and the server for
 * the requests it refuses itself): the ids NSPS sends ({@code x-b3-traceid} logged as
 * {@code request_id}, {@code x-request-id} as {@code unique_id}; UUIDs when absent or unusable),
 * the MDC keys every log line of the request carries, and the one access line per request.
 */
public final class RequestTracing {

    public static final String TRACE_HEADER = "x-b3-traceid";
    public static final String REQUEST_ID_HEADER = "x-request-id";
    /** MDC key of the access line's outcome ({@code Answers.label}, or why the request was refused). */
    public static final String OUTCOME = "outcome";

    static final String EVENT_ID = LoggingSetup.MDC_EVENT_ID;
    static final String EVENT_TYPE = LoggingSetup.MDC_EVENT_TYPE;
    static final String START_NANOS = "nsps.start";

    private static final Logger ACCESS = LoggerFactory.getLogger("io.nsps.connector.access");
    /** Ids are echoed into headers and logs: accept only short, plain tokens. */
    private static final Pattern USABLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestTracing() {
    }

    /** The outcome of an event refused because the connector is shutting down, wherever it is refused. */
    public static final String REFUSED_DRAINING = "refused_draining";

    /** {@code /health}, with or without a query or a trailing slash: not an event. */
    private static boolean isHealthPath(String path) {
        return path != null && (path.equals("/health") || path.startsWith("/health?") || path.equals("/health/"));
    }

    /** The id a tracing header carries, when it is a short plain token; a new one otherwise. */
    public static String idFrom(String header) {
        if (header != null && USABLE_ID.matcher(header).matches()) {
            return header;
        }
        return newId();
    }

    /**
     * A new request or correlation id: a version-4 UUID from {@link ThreadLocalRandom}. Such an id
     * needs to be unique, not unpredictable, and {@link UUID#randomUUID()} costs a SecureRandom draw
     * (SHA-1 and a lock) per request.
     */
    public static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(most, least).toString();
    }

    /**
     * The access line, with the MDC of the request (its ids, its event's type, {@link #OUTCOME})
     * already set, and the same request counted in {@code metrics} when it went to the events path
     * ({@code metrics} null: a request to another port, not counted).
     */
    public static void writeAccessLine(ConnectorMetrics metrics, String method, String path, int status, double durationMs) {
        if (metrics != null && !isHealthPath(path)) {
            metrics.eventAnswered(MDC.get(EVENT_TYPE), MDC.get(OUTCOME), status, (long) (Math.max(0, durationMs) * 1_000_000));
        }
        ACCESS.info("{} {} -> {} in {} ms",
                v("method", LogText.bounded(method)),
                v("path", LogText.bounded(path)),
                v("status", status),
                v("duration_ms", Math.round(durationMs * 100) / 100.0));
    }

    /**
     * The access line of a request the server refused before the web layer saw it, with its own
     * ids and outcome (the MDC is cleared after it).
     */
    public static void writeRefusalLine(ConnectorMetrics metrics, String method, String path, int status, String requestId,
                                        String uniqueId, String outcome) {
        writeAccessLine(metrics, method, path, status, 0, requestId, uniqueId, outcome);
    }

    /**
     * The access line of a request served outside the web layer (the management port's operations),
     * with its own ids and outcome (the MDC is cleared after it).
     */
    public static void writeAccessLine(ConnectorMetrics metrics, String method, String path, int status, double durationMs,
                                       String requestId, String uniqueId, String outcome) {
        try {
            MDC.put(LoggingSetup.MDC_REQUEST_ID, requestId);
            MDC.put(LoggingSetup.MDC_UNIQUE_ID, uniqueId);
            MDC.put(OUTCOME, outcome);
            writeAccessLine(metrics, method, path, status, durationMs);
        } finally {
            MDC.clear();
        }
    }
}
