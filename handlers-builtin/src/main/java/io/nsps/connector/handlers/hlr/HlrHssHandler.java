package io.nsps.connector.handlers.hlr;

import io.nsps.connector.feign.UpstreamClient;
import io.nsps.connector.feign.UpstreamStatusException;
import io.nsps.connector.handlers.hlr.client.api.ProvisioningApi;
import io.nsps.connector.handlers.hlr.client.model.Action;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningRequest;
import io.nsps.connector.handlers.hlr.client.model.ProvisioningResponse;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code hlr-hss}: provisions an HLR/HSS through its {@code POST /prov} API (see
 * {@link HlrEventMapper} for what each event becomes), through an {@link UpstreamClient}, which
 * keeps the deadline of all the calls of one event ({@code HLR_TIMEOUT}), the one re-send after a
 * 401/403 with fresh credentials, the HLR's Retry-After, {@code HLR_MAX_RPS}, the tracing headers
 * and the log line per call.
 *
 * <p>Nothing else is re-sent here: NSPS re-sends the whole event, and every call is safe to repeat
 * (full-state updates; an insert answered 409 becomes an update; a delete answered 404 means
 * already deleted).
 */
final class HlrHssHandler implements EventHandler {

    private final HlrSettings settings;
    private final HlrEventMapper mapper;
    private final UpstreamClient<ProvisioningApi> hlr;
    private final System.Logger logger;

    HlrHssHandler(HlrSettings settings, UpstreamClient<ProvisioningApi> hlr, System.Logger logger) {
        this.settings = settings;
        this.mapper = new HlrEventMapper(settings);
        this.hlr = hlr;
        this.logger = logger;
    }

    @Override
    public Set<String> eventTypes() {
        return new LinkedHashSet<>(settings.eventTypes());
    }

    @Override
    public HandlerResult handle(Event event) throws HandlerException {
        Instant deadline = hlr.deadline();
        HlrEventMapper.Plan plan = mapper.plan(event);
        if (plan.ignoredBecause() != null) {
            return HandlerResult.ignored(plan.ignoredBecause());
        }
        List<String> done = new ArrayList<>();
        for (ProvisioningStep step : plan.steps()) {
            if (step.warning() != null) {
                logger.log(System.Logger.Level.WARNING, step.warning());
            }
            done.add(execute(step, deadline));
        }
        return HandlerResult.processed("HLR: " + String.join("; ", done));
    }

    @Override
    public List<java.net.URI> endpoints() {
        return List.of(java.net.URI.create(settings.baseUrl()));
    }

    @Override
    public void close() {
        hlr.close();
    }

    /** One step, with its tolerated answers; returns what was done. */
    private String execute(ProvisioningStep step, Instant deadline) throws HandlerException {
        try {
            checkResult(step, send(step.request(), deadline));
            return step.purpose();
        } catch (UpstreamStatusException e) {
            if (e.status() == 409 && step.action() == Action.INSERT) {
                // Already there (a retry of an insert that succeeded): bring it to the requested state.
                try {
                    checkResult(step, send(copyAs(step.request(), Action.UPDATE), deadline));
                } catch (UpstreamStatusException again) {
                    throw failure(step, again);
                }
                return step.purpose() + " (already present, updated)";
            }
            if (e.status() == 404 && step.action() == Action.DELETE) {
                return step.purpose() + " (already absent)";
            }
            throw failure(step, e);
        }
    }

    private ProvisioningResponse send(ProvisioningRequest request, Instant deadline) throws HandlerException, UpstreamStatusException {
        return hlr.call(request.getAction() + " IMSI " + request.getImsi(), deadline, api -> api.provision(request));
    }

    /** A 2xx that reports failure is the HLR refusing the content: permanent. */
    private static void checkResult(ProvisioningStep step, ProvisioningResponse response) throws InvalidEventException {
        if (response == null) {
            return;
        }
        if (Boolean.FALSE.equals(response.getResult()) || response.getError() != null && !response.getError().isBlank()) {
            String reason = response.getError() != null ? io.nsps.connector.feign.UpstreamErrors.sanitise(response.getError()) : "result false";
            throw InvalidEventException.rejectedUpstream("The HLR refused to " + step.purpose() + ": " + reason);
        }
    }

    /** The SPI failure for a 404 or 409 the step does not tolerate. */
    private static HandlerException failure(ProvisioningStep step, UpstreamStatusException e) {
        if (e.status() == 404) {
            // Not permanent: the SIM's insert may still be on its way (NSPS retries it). A 503 keeps
            // this event until the subscriber is there; a 404 would make NSPS drop it.
            return new UpstreamUnavailableException("The HLR has no subscriber for " + step.purpose() + " yet" + e.detail(),
                    UpstreamClient.DEFAULT_RETRY_AFTER, null);
        }
        return InvalidEventException.rejectedUpstream("The HLR refused to " + step.purpose() + " (HTTP " + e.status() + ")" + e.detail());
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
