package io.nsps.connector.handlers.hlr;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.feign.UpstreamClient;
import io.nsps.connector.handlers.hlr.client.api.ProvisioningApi;

/**
 * {@code hlr-hss}: provisions a (WTL-compatible) HLR/HSS from SIM events. Settings under
 * {@code HLR_}: {@code HLR_API_URL} (required), {@code HLR_TIMEOUT}, {@code HLR_CONNECT_TIMEOUT},
 * {@code HLR_DEFAULT_CS_PROFILE}, {@code HLR_DEFAULT_EPS_PROFILE}, {@code HLR_IMSI_PATTERN},
 * {@code HLR_EVENT_TYPES}, and the credentials ({@code HLR_AUTH} ...).
 */
public final class HlrHssHandlerFactory implements HandlerFactory {

    @Override
    public String name() {
        return "hlr-hss";
    }

    @Override
    public String description() {
        return "Provisions an HLR/HSS (POST /prov) from SIM events";
    }

    @Override
    public String configPrefix() {
        return "HLR_";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        HlrSettings settings = HlrSettings.read(context.config());
        settings.imsiPattern().ifPresent(pattern -> context.logger().log(System.Logger.Level.INFO,
                "IMSIs matching " + pattern.pattern() + " are provisioned (searched in the IMSI: anchor it with ^ and $ for a full match);"
                        + " other IMSIs are acknowledged as ignored"));
        UpstreamClient<ProvisioningApi> hlr = UpstreamClient.builder(ProvisioningApi.class, "HLR", settings.baseUrl())
                .context(context)
                .timeout(settings.timeout())
                .connectTimeout(settings.connectTimeout())
                .maxCallsPerSecond(settings.maxRequestsPerSecond(), "HLR_MAX_RPS")
                // A 404 (a delete's "already absent", an update's "not there yet") and a 409 (an
                // insert's "already present") mean something only for the step that got them.
                .statusesDecidedByCaller(404, 409)
                .build();
        return new HlrHssHandler(settings, hlr, context.logger());
    }
}
