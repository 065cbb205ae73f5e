package io.nsps.connector.handlers.hlr;

import feign.FeignException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import feign.RetryableException;
import io.nsps.connector.handlers.hlr.client.api.ProvisioningApi;
import io.nsps.connector.handlers.hlr.client.model.Action;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningRequest;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningResponse;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code hlr-hss}: provisions an HLR/HSS through its {@code POST /prov} API (see
 * {@link HlrEventMapper} for what each event becomes).
 *
 * <p>Deadline: all the calls of one event share {@code HLR_TIMEOUT}, measured from the start of
 * {@link #handle}; a call that has not completed by then (a server that never answers, one that
 * drips its answer a byte at a time) is abandoned and the event answered 503.
 *
 * <p>Re-sends: a call is sent a second time only after a 401/403, with fresh credentials; a
 * refused request was not processed, so it cannot provision twice. Nothing else is re-sent here:
 * NSPS re-sends the whole event, and every call is safe to repeat (full-state updates; an insert
 * answered 409 becomes an update; a delete answered 404 means already deleted).
 *
 * <p>Back-off: after a 429 with {@code Retry-After}, no call reaches the HLR until that time has
 * passed; every event meanwhile is answered 429 with the time that remains.
 */
final class HlrHssHandler implements EventHandler {

    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(30);
    /** HLR calls (threads waiting on the HLR) at most; the connector's default workers are 128. */
    static final int MAX_CALLS_IN_FLIGHT = 128;

    private final HlrSettings settings;
    private final HlrEventMapper mapper;
    private final ProvisioningApi api;
    private final UpstreamCredentials credentials;
    private final Clock clock;
    private final System.Logger logger;
    private final ExecutorService calls;
    /** The HTTP client's executor (HlrClientFactory.httpExecutor), stopped with the handler. */
    private final ExecutorService httpExecutor;
    /** HLR_MAX_RPS; null when unlimited. Never waits: an exhausted limit is answered 429 at once. */
    private final RateLimiter rateLimiter;
    /** The tracing headers of the event being handled on the calling thread (HandlerContext.tracingHeaders). */
    private final Supplier<Map<String, String>> tracingHeaders;
    /** Until when the HLR asked not to be called (429 + Retry-After); EPOCH when it did not. */
    private final AtomicReference<Instant> backOffUntil = new AtomicReference<>(Instant.EPOCH);

    HlrHssHandler(HlrSettings settings, ProvisioningApi api, UpstreamCredentials credentials, Clock clock, System.Logger logger,
                  ExecutorService httpExecutor, Supplier<Map<String, String>> tracingHeaders) {
        this.settings = settings;
        this.tracingHeaders = tracingHeaders;
        this.httpExecutor = httpExecutor;
        this.logger = logger;
        this.mapper = new HlrEventMapper(settings);
        this.api = api;
        this.credentials = credentials;
        this.clock = clock;
        this.rateLimiter = settings.maxRequestsPerSecond() <= 0 ? null : RateLimiter.of("hlr", RateLimiterConfig.custom()
                .limitForPeriod((int) settings.maxRequestsPerSecond())
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
        // Bounded: a call that cannot be abandoned (an upstream that never lets go) must not pile up
        // threads for every retry NSPS makes; beyond the bound an event is answered 503.
        this.calls = new ThreadPoolExecutor(0, MAX_CALLS_IN_FLIGHT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "hlr-call");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public Set<String> eventTypes() {
        return new LinkedHashSet<>(settings.eventTypes());
    }

    @Override
    public HandlerResult handle(Event event) throws HandlerException {
        Instant deadline = clock.instant().plus(settings.timeout());
        HlrEventMapper.Plan plan = mapper.plan(event);
        if (plan.ignoredBecause() != null) {
            return HandlerResult.ignored(plan.ignoredBecause());
        }
        List<String> done = new ArrayList<>();
        Map<String, String> tracing = tracingHeaders.get();
        for (ProvisioningStep step : plan.steps()) {
            done.add(execute(step, deadline, tracing));
        }
        return HandlerResult.processed("HLR: " + String.join("; ", done));
    }

    @Override
    public void close() {
        calls.shutdownNow();
        httpExecutor.shutdown();
    }

    /** One step, with its tolerated answers; returns what was done. */
    private String execute(ProvisioningStep step, Instant deadline, Map<String, String> tracing) throws HandlerException {
        try {
            checkResult(step, send(step.request(), deadline, tracing));
            return step.purpose();
        } catch (HlrStatusException e) {
            if (e.status() == 409 && step.action() == Action.INSERT) {
                // Already there (a retry of an insert that succeeded): bring it to the requested state.
                ProvisioningRequest update = copyAs(step.request(), Action.UPDATE);
                try {
                    checkResult(step, send(update, deadline, tracing));
                } catch (HlrStatusException again) {
                    throw failure(step, again);
                }
                return step.purpose() + " (already present, updated)";
            }
            if (e.status() == 404 && step.action() == Action.DELETE) {
                return step.purpose() + " (already absent)";
            }
            if (e.status() == 404) {
                // Not permanent: the SIM's insert may still be on its way (NSPS retries it). A 503 keeps
                // this event until the subscriber is there; a 404 would make NSPS drop it.
                String detail = e.upstreamError().isEmpty() ? "" : ": " + e.upstreamError();
                throw new UpstreamUnavailableException("The HLR has no subscriber for " + step.purpose() + " yet" + detail,
                        DEFAULT_RETRY_AFTER, null);
            }
            throw failure(step, e);
        }
    }

    /** Sends within the event's deadline, re-sending once with fresh credentials after a 401/403. */
    private ProvisioningResponse send(ProvisioningRequest request, Instant deadline, Map<String, String> tracing) throws HandlerException {
        try {
            return within(deadline, request, tracing);
        } catch (HlrStatusException e) {
            if ((e.status() == 401 || e.status() == 403) && e.authorization() != null && credentials.refused(e.authorization())) {
                try {
                    return within(deadline, request, tracing);
                } catch (HlrStatusException again) {
                    if (again.authorization() != null && (again.status() == 401 || again.status() == 403)) {
                        credentials.refused(again.authorization());
                    }
                    throw again;
                }
            }
            throw e;
        }
    }

    /** What one call came to, on the thread that made it: an answer or a failure, and the HTTP status if one came. */
    private record CallResult(ProvisioningResponse response, RuntimeException failure, Integer status) {
    }

    /**
     * One call, on a call thread, within the event's deadline; logged at INFO (action, IMSI, status,
     * duration) on the event's thread, so the line carries the event's tracing ids.
     */
    private ProvisioningResponse within(Instant deadline, ProvisioningRequest request, Map<String, String> tracing) throws HandlerException {
        Instant now = clock.instant();
        Instant quietUntil = backOffUntil.get();
        if (now.isBefore(quietUntil)) {
            throw new UpstreamRateLimitedException("The HLR asked for no calls for now (Retry-After)", Duration.between(now, quietUntil));
        }
        if (rateLimiter != null && !rateLimiter.acquirePermission()) {
            throw new UpstreamRateLimitedException("HLR_MAX_RPS (" + settings.maxRequestsPerSecond() + " calls a second) is exhausted",
                    Duration.ofSeconds(1));
        }
        long remaining = Duration.between(now, deadline).toMillis();
        if (remaining <= 0) {
            throw timedOut();
        }
        long started = System.nanoTime();
        Future<CallResult> future;
        try {
            future = calls.submit(() -> {
                CallContext.begin(tracing);
                try {
                    return new CallResult(api.provision(request), null, CallContext.status());
                } catch (RuntimeException e) {
                    return new CallResult(null, e, CallContext.status());
                } finally {
                    CallContext.end();
                }
            });
        } catch (RejectedExecutionException e) {
            throw new UpstreamUnavailableException("Too many HLR calls in progress (" + MAX_CALLS_IN_FLIGHT + ")", DEFAULT_RETRY_AFTER, null);
        }
        CallResult result;
        try {
            result = future.get(remaining, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            logCall(request, "no answer", started);
            throw timedOut();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new UpstreamUnavailableException("Interrupted while calling the HLR", DEFAULT_RETRY_AFTER, e);
        } catch (ExecutionException e) {
            throw new UpstreamErrorException("Calling the HLR failed unexpectedly", e.getCause());
        }
        logCall(request, result.status() != null ? "HTTP " + result.status() : outcomeOf(result.failure()), started);
        if (result.failure() == null) {
            return result.response();
        }
        if (result.failure() instanceof HlrStatusException status) {
            throw status; // a status whose meaning depends on the step: decided by execute()
        }
        // The answer to NSPS names the kind of failure only; the cause is for the operator.
        logger.log(System.Logger.Level.WARNING, "Calling the HLR failed", result.failure());
        HandlerException failure = translate(result.failure());
        if (failure instanceof UpstreamRateLimitedException limited) {
            limited.retryAfter().ifPresent(this::backOffFor);
        }
        throw failure;
    }

    /** One line per call, as operators of the WTL connector know it: what was asked, of which SIM, and what came back. */
    private void logCall(ProvisioningRequest request, String outcome, long startedNanos) {
        if (logger.isLoggable(System.Logger.Level.INFO)) {
            logger.log(System.Logger.Level.INFO, "HLR " + request.getAction() + " IMSI " + request.getImsi() + ": " + outcome + " in "
                    + Duration.ofNanos(System.nanoTime() - startedNanos).toMillis() + " ms");
        }
    }

    /** What a call's failure was, for its log line, when no HTTP answer came. */
    private static String outcomeOf(RuntimeException failure) {
        if (failure instanceof HlrCallFailure) {
            return "not sent (no credentials)";
        }
        return failure instanceof RetryableException ? kind(failure.getCause()) : "failed";
    }

    /** No call until {@code delay} from now; a later end already set stays. */
    private void backOffFor(Duration delay) {
        Instant until = clock.instant().plus(delay);
        backOffUntil.accumulateAndGet(until, (current, proposed) -> proposed.isAfter(current) ? proposed : current);
    }

    private UpstreamUnavailableException timedOut() {
        return new UpstreamUnavailableException("The HLR did not answer within " + settings.timeout().toMillis() + " ms",
                DEFAULT_RETRY_AFTER, null);
    }

    /** Feign's and the client's failures, as the SPI's. */
    private static HandlerException translate(Throwable failure) {
        if (failure instanceof HlrCallFailure wrapped) {
            return wrapped.getCause();
        }
        if (failure instanceof RetryableException) {
            // Connection refused, DNS, TLS, I/O timeout: nothing (or nothing known) was processed.
            return new UpstreamUnavailableException("The HLR is unreachable (" + kind(failure.getCause()) + ")", DEFAULT_RETRY_AFTER, failure);
        }
        if (failure instanceof FeignException feign) {
            return new UpstreamErrorException("The HLR answered something unexpected (HTTP " + feign.status() + ")", failure);
        }
        return new UpstreamErrorException("Calling the HLR failed unexpectedly", failure);
    }

    private static String kind(Throwable cause) {
        if (cause == null) {
            return "I/O error";
        }
        String name = cause.getClass().getSimpleName();
        if (name.contains("Timeout")) {
            return "timeout";
        }
        if (name.contains("ConnectException")) {
            return "connection refused";
        }
        if (name.contains("UnknownHost") || name.contains("UnresolvedAddress")) {
            return "unknown host";
        }
        if (name.startsWith("SSL")) {
            return "TLS failure";
        }
        return "I/O error";
    }

    /** A 2xx that reports failure is the HLR refusing the content: permanent. */
    private static void checkResult(ProvisioningStep step, ProvisioningResponse response) throws InvalidEventException {
        if (response == null) {
            return;
        }
        if (Boolean.FALSE.equals(response.getResult()) || response.getError() != null && !response.getError().isBlank()) {
            String reason = response.getError() != null ? HlrErrorDecoder.sanitise(response.getError()) : "result false";
            throw InvalidEventException.rejectedUpstream("The HLR refused to " + step.purpose() + ": " + reason);
        }
    }

    /** The SPI failure for a step-dependent status the step does not tolerate (see HlrErrorDecoder for the others). */
    private static HandlerException failure(ProvisioningStep step, HlrStatusException e) {
        String detail = e.upstreamError().isEmpty() ? "" : ": " + e.upstreamError();
        return switch (e.status()) {
            case 409 -> InvalidEventException.rejectedUpstream("The HLR refused to " + step.purpose() + " (HTTP 409)" + detail);
            default -> new UpstreamAuthenticationException("The HLR refused the connector's credentials (HTTP " + e.status() + ")", null);
        };
    }

    private static ProvisioningRequest copyAs(ProvisioningRequest request, Action action) {
        return new ProvisioningRequest()
                .action(action)
                .imsi(request.getImsi())
                .msisdn(request.getMsisdn())
                .subscriberStatus(request.getSubscriberStatus())
                .csProfile(request.getCsProfile())
                .epsProfile(request.getEpsProfile());
    }
}
