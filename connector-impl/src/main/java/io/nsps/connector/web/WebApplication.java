package io.nsps.connector.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.api.DefaultApi;
import io.nsps.connector.config.ConnectorConfig;
import io.nsps.connector.metrics.ConnectorMetrics;
import io.nsps.connector.model.Event;
import io.nsps.connector.parsing.EventParser;
import io.nsps.connector.processing.EventProcessor;
import io.nsps.connector.processing.Waiting;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.server.model.Resource;

/**
 * The Jersey application, bootstrapped explicitly: every resource, filter, reader and mapper
 * registered by hand, no scanning, and Jersey's defaults that would leak or send non-JSON turned
 * off. The request's path through it: tracing, authentication (the filter given), guards,
 * admission, the body reader, the resource, {@link Answers}.
 *
 * @param resources the JAX-RS application
 * @param health what {@code GET /health} answers, for the management port to give the same
 */
public record WebApplication(ResourceConfig resources, Supplier<Response> health) {

    /**
     * Every path but the health check's, the root included: the events route when EVENTS_PATH is
     * unset. (Jersey would otherwise pick this route for a POST on /health, whose own route is GET.)
     */
    private static final String ANY_PATH = "/{path: (?!health/?$).*}";
    /**
     * Jersey buffers each response to give it a Content-Length, in a fresh 8 KB array by default;
     * the connector's answers are a few hundred bytes (the longest, 20 validation problems, ~2 KB).
     */
    private static final int OUTBOUND_BUFFER_BYTES = 4096;

    /**
     * @param authentication the filter that authenticates every request but health checks, before routing
     * @param storeAvailable whether the state store answered its last check (for health)
     * @param eventArrived told of every request but health checks, as it arrives
     * @param parser gives the event parser, once it is built
     * @param waiting told while a body is waited for
     */
    public static WebApplication create(ConnectorConfig config, EventProcessor processor, ContainerRequestFilter authentication,
                                        ObjectMapper mapper, ConnectorLifecycle lifecycle, BooleanSupplier storeAvailable,
                                        Runnable eventArrived, Supplier<EventParser> parser, Waiting waiting, ConnectorMetrics metrics) {
        Admission admission = new Admission(config.maxConcurrentEvents(), config.maxBodyBytesInFlight(), config.maxBodyBytes(),
                config.healthStuckAfter(), System::nanoTime, metrics);
        HealthCheck health = new HealthCheck(lifecycle, admission, storeAvailable);

        ResourceConfig application = new ResourceConfig();
        application.setApplicationName("nsps-connector");
        application.property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
        application.property(ServerProperties.WADL_FEATURE_DISABLE, true);
        application.property(ServerProperties.BV_FEATURE_DISABLE, true);
        application.property(ServerProperties.FEATURE_AUTO_DISCOVERY_DISABLE, true);
        application.property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true);
        application.property(ServerProperties.PROCESSING_RESPONSE_ERRORS_ENABLED, true);
        application.property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, OUTBOUND_BUFFER_BYTES);

        application.register(JacksonFeature.withoutExceptionMappers());
        application.register(new ObjectMapperResolver(mapper));
        application.register(new RequestTracingFilter(metrics));
        application.register(new OptionsRefusalFilter());
        application.register(authentication);
        application.register(new RequestGuardFilter(config.maxBodyBytes()));
        application.register(new AdmissionFilter(admission, eventArrived));
        application.register(new EventBodyReader(parser, config.maxBodyBytes(), config.bodyReadTimeout(), waiting));
        application.register(new ConnectorExceptionMapper(metrics, processor, config.eventsPath()
                .map(path -> "events are posted to " + path + " (EVENTS_PATH); GET /health answers health checks")
                .orElse("events are posted to any path but /health; GET /health answers health checks")));

        EventsResource resource = new EventsResource(processor, lifecycle, health, new Answers(config.upstreamRateLimitStatus()), metrics,
                !config.state().journalBodyRetention().isZero());
        application.registerResources(
                route(config.eventsPath().orElse(ANY_PATH), "POST", resource, "processEventProcessEventPost", Event.class),
                route("/health", "GET", resource, "healthCheckHealthGet"));
        return new WebApplication(application, health::answer);
    }

    /**
     * A route to a method of the generated interface. Built programmatically because the events
     * path is configuration ({@code EVENTS_PATH}), while the generated annotations fix it.
     */
    private static Resource route(String path, String httpMethod, EventsResource resource, String methodName, Class<?>... parameters) {
        try {
            Resource.Builder builder = Resource.builder(path);
            builder.addMethod(httpMethod)
                    .produces(MediaType.APPLICATION_JSON_TYPE)
                    .consumes(parameters.length > 0 ? MediaType.APPLICATION_JSON_TYPE : MediaType.WILDCARD_TYPE)
                    .handledBy(resource, DefaultApi.class.getMethod(methodName, parameters));
            return builder.build();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("the generated API has no method " + methodName + "; regenerate and update the resource", e);
        }
    }
}
