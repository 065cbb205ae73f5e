package io.nsps.connector.web;

import jakarta.ws.rs.container.ContainerRequestContext;

/** What the filters need to know of a request before it is routed. */
public final class Requests {

    private Requests() {
    }

    /**
     * {@code GET} or {@code HEAD /health}: never authenticated nor admitted, so that probes always get
     * through. The path as sent, not decoded: routes match it so, and {@code /%68ealth} is routed
     * as another path, which must be authenticated like every other.
     */
    public static boolean isHealthCheck(ContainerRequestContext request) {
        String method = request.getMethod();
        return ("GET".equals(method) || "HEAD".equals(method)) && "health".equals(request.getUriInfo().getPath(false));
    }
}
