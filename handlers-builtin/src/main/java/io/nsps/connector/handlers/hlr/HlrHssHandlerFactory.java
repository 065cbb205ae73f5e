package io.nsps.connector.handlers.hlr;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import java.util.concurrent.ExecutorService;

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
        ExecutorService httpExecutor = HlrClientFactory.httpExecutor();
        return new HlrHssHandler(settings, HlrClientFactory.create(settings, context.credentials(), context.clock(), context.logger(), httpExecutor),
                context.credentials(), context.clock(), context.logger(), httpExecutor, context::tracingHeaders);
    }
}
