package io.nsps.connector.dispatch;

import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.logging.LoggingSetup;
import io.nsps.connector.metrics.ConnectorMetrics;
import java.time.Duration;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The context given to a handler factory; the logger goes through SLF4J (slf4j-jdk-platform-logging),
 * upstream calls into the metrics.
 */
record DefaultHandlerContext(String handlerName, HandlerConfig config, Clock clock, UpstreamCredentials credentials,
                             ConnectorMetrics metrics) implements HandlerContext {

    @Override
    public void recordUpstreamCall(String action, int status, Duration took) {
        metrics.upstreamCall(handlerName, status, took);
        UpstreamCall.record(new UpstreamCall(handlerName, io.nsps.connector.logging.LogText.bounded(action), status, took.toMillis()));
    }

    /** From the MDC the request's tracing filter set on this thread; empty on any other thread. */
    @Override
    public Map<String, String> tracingHeaders() {
        String requestId = MDC.get(LoggingSetup.MDC_REQUEST_ID);
        String uniqueId = MDC.get(LoggingSetup.MDC_UNIQUE_ID);
        Map<String, String> headers = new LinkedHashMap<>(2);
        if (requestId != null) {
            headers.put("x-b3-traceid", requestId);
        }
        if (uniqueId != null) {
            headers.put("x-request-id", uniqueId);
        }
        return Map.copyOf(headers);
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("io.nsps.connector.handler." + handlerName);
    }
}
