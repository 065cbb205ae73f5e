package io.nsps.connector.web;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import java.util.TreeSet;
import org.glassfish.jersey.server.ExtendedUriInfo;
import org.glassfish.jersey.server.model.ResourceMethod;

/**
 * {@code OPTIONS} is refused as any other method outside the contract is: 405, {@code Allow}
 * naming the methods its path answers, the JSON error of {@link ConnectorExceptionMapper}. Jersey
 * would otherwise answer it itself, 200 with an empty body. Runs once the request matched a path
 * (an unknown path stays a 404), after authentication.
 */
final class OptionsRefusalFilter implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        if (!HttpMethod.OPTIONS.equals(request.getMethod())) {
            return;
        }
        Set<String> allow = new TreeSet<>();
        ((ExtendedUriInfo) request.getUriInfo()).getMatchedRuntimeResources().forEach(resource ->
                resource.getResourceMethods().stream().map(ResourceMethod::getHttpMethod).forEach(allow::add));
        allow.remove(HttpMethod.OPTIONS);
        throw new NotAllowedException(Response.status(Response.Status.METHOD_NOT_ALLOWED).allow(allow).build());
    }

    /** An {@code Allow} header without {@code OPTIONS}, which the connector never answers. */
    static String withoutOptions(String allow) {
        return allow == null ? null : String.join(",", java.util.Arrays.stream(allow.split(",")).map(String::trim)
                .filter(method -> !method.isEmpty() && !method.equalsIgnoreCase(HttpMethod.OPTIONS)).toList());
    }
}
