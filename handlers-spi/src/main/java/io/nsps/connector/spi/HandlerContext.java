package io.nsps.connector.spi;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** What the connector gives a handler when it is created. */
public interface HandlerContext {

    /** The handler's name, as returned by {@link HandlerFactory#name()}. */
    String handlerName();

    /** The handler's own settings: the environment variables under its prefix. */
    HandlerConfig config();

    /**
     * A logger that writes into the connector's log with the request's tracing ids. Never log
     * secrets; values read with {@link HandlerConfig#secret} are masked in any case.
     */
    System.Logger logger();

    /** The clock to read time from, so tests can control it. */
    Clock clock();

    /**
     * The credentials for this handler's external system, from {@code <prefix>AUTH} and the
     * settings of that scheme; {@code none} when {@code <prefix>AUTH} is unset. The credential
     * settings' names ({@code AUTH}, {@code USERNAME}, {@code PASSWORD}, {@code TOKEN},
     * {@code OAUTH_*}, {@code JWT_*}) are reserved under every prefix: a handler does not use them
     * for anything else, and one set for another scheme than {@code <prefix>AUTH} stops start-up.
     */
    UpstreamCredentials credentials();

    /**
     * The tracing headers of the event being handled on the calling thread ({@code x-b3-traceid} and
     * {@code x-request-id}, as NSPS sent them or as the connector generated them), to send on every
     * call to the external system so that its logs join the connector's. Call it on the thread
     * {@link EventHandler#handle} was called on, and hand the map to any thread that makes the call;
     * empty outside {@code handle}. Independent of any HTTP client.
     *
     * @since 0.2 (a default method: handlers compiled against an older SPI still load)
     */
    default Map<String, String> tracingHeaders() {
        return Map.of();
    }

    /**
     * Tells the connector of one call to the external system, made for the event being handled on
     * the calling thread: for its metrics (calls by handler and status class, their duration) and
     * the event's journal entry. Call it on the thread {@link EventHandler#handle} was called on,
     * once per call. handlers-feign's {@code UpstreamClient} calls it for every call it makes.
     *
     * @param action what the call did, for the journal ({@code "update IMSI 255010000020349"})
     * @param status the HTTP status of the answer; 0 when no answer came (refused, timed out)
     * @param took how long the call took
     * @since 0.2 (a default method: handlers compiled against an older SPI still load)
     */
    default void recordUpstreamCall(String action, int status, Duration took) {
    }
}
