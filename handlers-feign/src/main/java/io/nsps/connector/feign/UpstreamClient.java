package io.nsps.connector.feign;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import feign.Feign;
import feign.FeignException;
import feign.Logger;
import feign.Request;
import feign.RequestInterceptor;
import feign.RetryableException;
import feign.Retryer;
import feign.hc5.ApacheHttp5Client;
import feign.jackson.JacksonEncoder;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * A handler's client for its external system: a Feign interface generated from the system's
 * OpenAPI document ({@code T}), built with every Feign component chosen, and called through
 * {@link #call}, which keeps the rules a handler must keep:
 *
 * <ul>
 *   <li><b>Deadline.</b> Every call of one event finishes by the event's deadline: a call not
 *       answered by then (a server that never answers, one that drips its answer a byte at a time)
 *       is aborted (its connection closed) and the event answered 503. The call runs on the
 *       caller's thread (Apache HttpClient 5, classic, pooled); the abort comes from one timer
 *       thread shared by every client ({@link CallContext}).</li>
 *   <li><b>No re-sends</b> but one: after a 401/403, when {@link UpstreamCredentials#refused} says
 *       fresh credentials may differ, the call is sent once more with them (the system refused the
 *       request, so it did not process it). Feign's own retryer is off, redirects are not
 *       followed, answers are read up to {@link BoundedJacksonDecoder#MAX_BODY} bytes.</li>
 *   <li><b>Statuses to the SPI's failures.</b> 400/422 -> 422 (the system refuses the content);
 *       401/403 after the re-send -> 500 {@code authentication_error}; 429 -> a rate limit with the
 *       system's Retry-After, and no call until then; 503 -> 503 with the system's Retry-After; other
 *       5xx, 3xx, other 4xx -> 500 {@code service_error}; refused connection, unknown host, TLS
 *       failure, timeout -> 503. A
 *       status whose meaning depends on the call (a 404 to a delete, a 409 to an insert) is left
 *       to the handler when it asks ({@link Builder#statusesDecidedByCaller}). The system's own
 *       error text reaches NSPS only sanitised ({@link UpstreamErrors#sanitise}), its URL and raw
 *       body never.</li>
 *   <li><b>Tracing.</b> The event's {@code x-b3-traceid} and {@code x-request-id} are sent on every
 *       call, so the system's logs join the connector's.</li>
 *   <li><b>One INFO line per call</b> on the event's thread (so with its tracing ids):
 *       {@code HLR update IMSI 255010000020349: HTTP 200 in 11 ms}; never a credential. The call is
 *       also told to the connector ({@link HandlerContext#recordUpstreamCall}: metrics, journal).</li>
 * </ul>
 *
 * <p>Thread-safe; one per handler, closed with it.
 *
 * @param <T> the generated Feign interface
 */
public final class UpstreamClient<T> implements AutoCloseable {

    /** Retry-After of a 503 for an unreachable or slow system: the SPI's default. */
    public static final Duration DEFAULT_RETRY_AFTER = UpstreamUnavailableException.DEFAULT_RETRY_AFTER;
    /** How long a pooled connection may stay idle before it is closed. */
    private static final TimeValue IDLE_CONNECTION = TimeValue.ofSeconds(30);

    private final String system;
    private final T api;
    private final Duration timeout;
    private final UpstreamCredentials credentials;
    private final Supplier<Map<String, String>> tracingHeaders;
    private final System.Logger logger;
    private final Clock clock;
    private final RateLimiter rateLimiter;
    private final String rateLimitSetting;
    private final long maxCallsPerSecond;
    private final int maxCallsInFlight;
    /** Calls under way; one more is refused at once. */
    private final Semaphore callsInFlight;
    private final CallRecorder calls;
    private final CloseableHttpClient http;
    private final ScheduledFuture<?> idleEviction;
    /** Until when the system asked not to be called (429 + Retry-After); EPOCH when it did not. */
    private final AtomicReference<Instant> backOffUntil = new AtomicReference<>(Instant.EPOCH);

    private UpstreamClient(Builder<T> builder) {
        this.system = builder.system;
        this.timeout = builder.timeout;
        this.credentials = builder.credentials;
        this.tracingHeaders = builder.tracingHeaders;
        this.logger = builder.logger;
        this.clock = builder.clock;
        this.maxCallsPerSecond = builder.maxCallsPerSecond;
        this.rateLimitSetting = builder.rateLimitSetting;
        this.maxCallsInFlight = builder.maxCallsInFlight;
        this.rateLimiter = maxCallsPerSecond <= 0 ? null : RateLimiter.of(system, RateLimiterConfig.custom()
                .limitForPeriod((int) maxCallsPerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
        this.callsInFlight = new Semaphore(maxCallsInFlight);
        this.calls = builder.calls;
        if (builder.baseUrl.regionMatches(true, 0, "https:", 0, 6)) {
            DefaultTls.INSTANCE.prepare();
        }
        PoolingHttpClientConnectionManager connections = connections(maxCallsInFlight, builder.connectTimeout, timeout);
        this.http = HttpClients.custom()
                .setConnectionManager(connections)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .build();
        // Connection and response timeouts come with each request (Request.Options below); idle
        // connections are closed on the shared timer thread rather than on an evictor thread per client.
        this.idleEviction = CallContext.TIMER.scheduleWithFixedDelay(() -> {
            connections.closeExpired();
            connections.closeIdle(IDLE_CONNECTION);
        }, IDLE_CONNECTION.toSeconds(), IDLE_CONNECTION.toSeconds(), TimeUnit.SECONDS);
        this.api = Feign.builder()
                .client(CallContext.recordingStatus(new ApacheHttp5Client(new DeadlineHttpClient(http))))
                .options(new Request.Options(builder.connectTimeout, timeout, false))
                .retryer(Retryer.NEVER_RETRY)
                .encoder(new JacksonEncoder(builder.mapper))
                .decoder(new BoundedJacksonDecoder(builder.mapper))
                .errorDecoder(new StatusErrorDecoder(system, builder.decidedByCaller, builder.mapper, clock))
                .requestInterceptor(credentialsInterceptor(credentials))
                .requestInterceptor(CallContext.tracingHeaders())
                .logger(new SystemFeignLogger(logger))
                // Feign's own lines are DEBUG: at NONE, a call builds none of them.
                .logLevel(logger.isLoggable(System.Logger.Level.DEBUG) ? Logger.Level.BASIC : Logger.Level.NONE)
                .target(builder.api, builder.baseUrl);
    }

    /**
     * The connection pool: as many connections as calls may be in flight (LAX: no fairness lock
     * per lease), TLS from the JVM's default context ({@link DefaultTls}), a connection idle for
     * over 2 s checked before reuse (one the server closed meanwhile is not sent a request).
     */
    private static PoolingHttpClientConnectionManager connections(int maxCalls, Duration connectTimeout, Duration timeout) {
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setMaxConnTotal(maxCalls)
                .setMaxConnPerRoute(maxCalls)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(timeout))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build())
                .setTlsSocketStrategy(DefaultTls.INSTANCE)
                .build();
    }

    /**
     * A client of {@code api} (the generated Feign interface) at {@code baseUrl}, for the system
     * named {@code system} in answers and log lines ("The {@code system} is unreachable").
     */
    public static <T> Builder<T> builder(Class<T> api, String system, String baseUrl) {
        return new Builder<>(api, system, baseUrl);
    }

    /** One call of one event. */
    @FunctionalInterface
    public interface Call<T, R> {
        R on(T api);
    }

    /** Told of every call made: {@link HandlerContext#recordUpstreamCall}. */
    @FunctionalInterface
    public interface CallRecorder {
        void record(String action, int status, Duration took);
    }

    /**
     * Makes one call within the event's {@code deadline}: {@code call.on(api)} runs on the
     * caller's thread, and its request is aborted if it is not over by the deadline.
     *
     * @param description what the call does, for its log line ({@code "update IMSI 2550100..."})
     * @return what the generated method returned
     * @throws HandlerException the SPI failure NSPS is answered with
     * @throws UpstreamStatusException a status the handler asked to decide
     *     ({@link Builder#statusesDecidedByCaller})
     */
    public <R> R call(String description, Instant deadline, Call<T, R> call) throws HandlerException, UpstreamStatusException {
        Map<String, String> tracing = tracingHeaders.get();
        try {
            return within(description, deadline, tracing, call);
        } catch (UpstreamStatusException e) {
            if (!isRefusal(e)) {
                throw e;
            }
            if (e.authorization() != null && credentials.refused(e.authorization())) {
                try {
                    return within(description, deadline, tracing, call);
                } catch (UpstreamStatusException again) {
                    if (!isRefusal(again)) {
                        throw again;
                    }
                    if (again.authorization() != null) {
                        credentials.refused(again.authorization());
                    }
                    throw refusedCredentials(again);
                }
            }
            throw refusedCredentials(e);
        }
    }

    /** The deadline of an event whose handling starts now: now plus the builder's {@code timeout}. */
    public Instant deadline() {
        return clock.instant().plus(timeout);
    }

    /** Closes the connections, aborting the calls still under way. */
    @Override
    public void close() {
        idleEviction.cancel(false);
        http.close(CloseMode.IMMEDIATE);
    }

    private <R> R within(String description, Instant deadline, Map<String, String> tracing, Call<T, R> call)
            throws HandlerException, UpstreamStatusException {
        Instant now = clock.instant();
        Instant quietUntil = backOffUntil.get();
        if (now.isBefore(quietUntil)) {
            throw new UpstreamRateLimitedException("The " + system + " asked for no calls for now (Retry-After)", Duration.between(now, quietUntil));
        }
        if (rateLimiter != null && !rateLimiter.acquirePermission()) {
            throw new UpstreamRateLimitedException(rateLimitSetting + " (" + maxCallsPerSecond + " calls a second) is exhausted",
                    Duration.ofSeconds(1));
        }
        long remaining = Duration.between(now, deadline).toNanos();
        if (remaining <= 0) {
            throw timedOut();
        }
        if (!callsInFlight.tryAcquire()) {
            throw new UpstreamUnavailableException("Too many " + system + " calls in progress (" + maxCallsInFlight + ")", DEFAULT_RETRY_AFTER, null);
        }
        long started = System.nanoTime();
        CallContext context = CallContext.begin(tracing, started + remaining);
        R response = null;
        RuntimeException thrown = null;
        try {
            response = call.on(api);
        } catch (RuntimeException e) {
            thrown = e;
        } finally {
            context.end();
            callsInFlight.release();
        }
        if (thrown != null && context.expired()) {
            // Aborted at the deadline: whatever the abort made the client throw, no answer came in time.
            logCall(description, "no answer", 0, started);
            throw timedOut();
        }
        Integer status = context.status();
        if (status == null && thrown instanceof CallFailure) {
            // The credentials could not be had (the interceptor failed): nothing went out, so there is
            // no call to count against the system (a refused grant is the credentials' own metric).
            logLine(description, "not sent (no credentials)", Duration.ofNanos(System.nanoTime() - started));
        } else {
            logCall(description, status != null ? "HTTP " + status : outcomeOf(thrown), status != null ? status : 0, started);
        }
        if (thrown == null) {
            return response;
        }
        if (thrown instanceof CallFailure failure && failure.status() != null) {
            throw failure.status();
        }
        // The answer to NSPS names the kind of failure only; the cause is for the operator.
        logger.log(System.Logger.Level.WARNING, "Calling the " + system + " failed", thrown);
        HandlerException failure = translate(thrown);
        if (failure instanceof UpstreamRateLimitedException limited) {
            limited.retryAfter().ifPresent(this::backOffFor);
        }
        throw failure;
    }

    private static boolean isRefusal(UpstreamStatusException e) {
        return e.status() == 401 || e.status() == 403;
    }

    private UpstreamAuthenticationException refusedCredentials(UpstreamStatusException e) {
        return new UpstreamAuthenticationException("The " + system + " refused the connector's credentials (HTTP " + e.status() + ")", null);
    }

    /** One line per call (what was asked, and what came back), and the call told to the connector (its metrics and journal). */
    private void logCall(String description, String outcome, int status, long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        calls.record(description, status, took);
        logLine(description, outcome, took);
    }

    private void logLine(String description, String outcome, Duration took) {
        if (logger.isLoggable(System.Logger.Level.INFO)) {
            logger.log(System.Logger.Level.INFO, system + " " + description + ": " + outcome + " in " + took.toMillis() + " ms");
        }
    }

    /** What a call's failure was, for its log line, when no HTTP answer came. */
    private static String outcomeOf(RuntimeException failure) {
        return failure instanceof RetryableException ? kind(failure.getCause()) : "failed";
    }

    /** No call until {@code delay} from now; a later end already set stays. */
    private void backOffFor(Duration delay) {
        Instant until = clock.instant().plus(delay);
        backOffUntil.accumulateAndGet(until, (current, proposed) -> proposed.isAfter(current) ? proposed : current);
    }

    private UpstreamUnavailableException timedOut() {
        return new UpstreamUnavailableException("The " + system + " did not answer within " + timeout.toMillis() + " ms", DEFAULT_RETRY_AFTER, null);
    }

    /** Feign's and the client's failures, as the SPI's. */
    private HandlerException translate(Throwable failure) {
        if (failure instanceof CallFailure wrapped) {
            return wrapped.failure();
        }
        if (failure instanceof RetryableException) {
            // Connection refused, DNS, TLS, I/O timeout: nothing (or nothing known) was processed.
            return new UpstreamUnavailableException("The " + system + " is unreachable (" + kind(failure.getCause()) + ")", DEFAULT_RETRY_AFTER,
                    failure);
        }
        if (failure instanceof FeignException feign) {
            return new UpstreamErrorException("The " + system + " answered something unexpected (HTTP " + feign.status() + ")", failure);
        }
        return new UpstreamErrorException("Calling the " + system + " failed unexpectedly", failure);
    }

    /** What HttpClient's failure was, in the words of the answer ({@link RetryableException} carries it). */
    private static String kind(Throwable cause) {
        if (cause instanceof SocketTimeoutException || cause instanceof ConnectTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ConnectException) { // HttpHostConnectException: refused
            return "connection refused";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host";
        }
        if (cause instanceof SSLException) { // handshake, untrusted certificate, wrong host name
            return "TLS failure";
        }
        return "I/O error";
    }

    /** Stamps the Authorization header; a credentials failure travels out as a {@link CallFailure}. */
    private static RequestInterceptor credentialsInterceptor(UpstreamCredentials credentials) {
        return template -> {
            try {
                String authorization = credentials.authorization();
                if (authorization != null) {
                    template.header("Authorization", authorization);
                }
            } catch (HandlerException e) {
                throw CallFailure.of(e);
            }
        };
    }

    /** JSON without absent fields; unknown fields in answers ignored. */
    public static ObjectMapper defaultMapper() {
        return JsonMapper.builder()
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    /** Feign's log lines into the handler's logger, at DEBUG. BASIC level (when DEBUG is on): no headers, no bodies. */
    private static final class SystemFeignLogger extends Logger {
        private final System.Logger logger;

        SystemFeignLogger(System.Logger logger) {
            this.logger = logger;
        }

        @Override
        protected void log(String configKey, String format, Object... args) {
            if (logger.isLoggable(System.Logger.Level.DEBUG)) {
                logger.log(System.Logger.Level.DEBUG, configKey + " " + String.format(format, args));
            }
        }

        @Override
        protected boolean shouldLogRequestHeader(String header) {
            return false;
        }

        @Override
        protected boolean shouldLogResponseHeader(String header) {
            return false;
        }
    }

    /** How to build an {@link UpstreamClient}; {@link #context} sets what a handler's context gives. */
    public static final class Builder<T> {
        private final Class<T> api;
        private final String system;
        private final String baseUrl;
        private UpstreamCredentials credentials;
        private Supplier<Map<String, String>> tracingHeaders = Map::of;
        private CallRecorder calls = (action, status, took) -> { };
        private System.Logger logger = System.getLogger(UpstreamClient.class.getName());
        private Clock clock = Clock.systemUTC();
        private Duration timeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private long maxCallsPerSecond;
        private String rateLimitSetting = "the call limit";
        private int maxCallsInFlight = 128;
        private Set<Integer> decidedByCaller = Set.of();
        private ObjectMapper mapper = defaultMapper();

        private Builder(Class<T> api, String system, String baseUrl) {
            this.api = Objects.requireNonNull(api);
            this.system = Objects.requireNonNull(system);
            this.baseUrl = Objects.requireNonNull(baseUrl);
        }

        /** The handler's credentials, tracing headers, logger and clock. */
        public Builder<T> context(HandlerContext context) {
            this.credentials = context.credentials();
            this.tracingHeaders = context::tracingHeaders;
            this.calls = context::recordUpstreamCall;
            this.logger = context.logger();
            this.clock = context.clock();
            return this;
        }

        /**
         * Credentials other than the configured ones ({@link HandlerContext#credentials}, which
         * {@link #context} sets): a scheme of the handler's own. Call it after {@link #context}.
         */
        public Builder<T> credentials(UpstreamCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Read on the event's thread at each call ({@link HandlerContext#tracingHeaders}). */
        public Builder<T> tracingHeaders(Supplier<Map<String, String>> tracingHeaders) {
            this.tracingHeaders = tracingHeaders;
            return this;
        }

        public Builder<T> logger(System.Logger logger) {
            this.logger = logger;
            return this;
        }

        public Builder<T> clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * The time all the calls of one event may take together ({@link #deadline()}); 10 s by
         * default. Read it with {@code config.timeout("TIMEOUT", ...)}, which holds it to its bounds.
         */
        public Builder<T> timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The TCP connect timeout; 2 s by default. */
        public Builder<T> connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * At most this many calls a second reach the system (0: no limit); beyond it an event is
         * answered as a rate limit at once, naming {@code setting} (the handler's setting for it).
         */
        public Builder<T> maxCallsPerSecond(long calls, String setting) {
            this.maxCallsPerSecond = calls;
            this.rateLimitSetting = setting;
            return this;
        }

        /** Calls waiting on the system at once, at most (128 by default); beyond, an event is answered 503. */
        public Builder<T> maxCallsInFlight(int calls) {
            this.maxCallsInFlight = calls;
            return this;
        }

        /** Statuses the handler decides itself: {@link #call} throws them as {@link UpstreamStatusException}. */
        public Builder<T> statusesDecidedByCaller(Integer... statuses) {
            this.decidedByCaller = Set.of(statuses);
            return this;
        }

        /** The JSON mapper of requests and answers ({@link #defaultMapper()} by default). */
        public Builder<T> mapper(ObjectMapper mapper) {
            this.mapper = mapper;
            return this;
        }

        public UpstreamClient<T> build() {
            if (credentials == null) {
                throw new IllegalStateException("no credentials: call context(handlerContext) or credentials(...)");
            }
            return new UpstreamClient<>(this);
        }
    }
}
