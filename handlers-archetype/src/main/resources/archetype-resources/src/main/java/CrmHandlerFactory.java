package ${package};

import ${package}.client.api.LinesApi;
import io.nsps.connector.feign.UpstreamClient;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import java.time.Duration;
import java.util.List;

/**
 * The {@code ${handlerName}} handler: keeps the CRM's lines (src/main/openapi/crm-api.yaml) in step
 * with PortaBilling's SIM cards. Listed in META-INF/services, so the connector finds it.
 *
 * <p>Settings, under the prefix the connector derives from the name ({@link #configPrefix()}):
 * {@code URL} (required, the API's http(s) base URL with its base path), {@code TIMEOUT} (all the
 * calls of one event: 10 s by default, 100 ms to 25 s, below the sender's own timeout; keep an
 * OAuth2 {@code OAUTH_TIMEOUT} below it), {@code EVENT_TYPES}, and the credentials: {@code AUTH=bearer} with
 * {@code TOKEN}, or {@code basic}, {@code oauth2}, {@code jwt} and their settings (the connector's
 * docs/configuration.md), handed over by {@code context.credentials()}.
 */
public final class CrmHandlerFactory implements HandlerFactory {

    @Override
    public String name() {
        return "${handlerName}";
    }

    @Override
    public String description() {
        return "Keeps the CRM's lines in step with SIM cards";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        HandlerConfig config = context.config();
        String url = config.httpUrl("URL");
        Duration timeout = config.timeout("TIMEOUT", Duration.ofSeconds(10));
        List<String> eventTypes = config.list("EVENT_TYPES", List.of(CrmHandler.SIM_UPDATED, CrmHandler.SIM_DELETED));
        if (url == null) {
            return null; // reported with every other configuration problem; the connector does not start
        }
        UpstreamClient<LinesApi> crm = UpstreamClient.builder(LinesApi.class, "CRM", url)
                .context(context)                  // credentials, tracing headers, logger, clock
                .timeout(timeout)
                .statusesDecidedByCaller(404)      // a delete's 404 means "already deleted"
                .build();
        return new CrmHandler(crm, url, eventTypes);
    }
}
