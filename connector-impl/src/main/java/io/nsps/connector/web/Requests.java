package io.nsps.connector.web;

import jakarta.ws.rs.container.ContainerRequestContext;

/** What the filters need to know of a request before it is routed. */
public final class Requests {

    private Requests() {
    }

    /** {@code GET} or {@code HEAD /health}: never authenticated nor admitted, so that probes always get through. */
    public static boolean isHealthCheck(ContainerRequestContext request) {
        String method = request.getMethod();
        return ("GET".equals(method) || "HEAD".equals(method)) && "health".equals(request.getUriInfo().getPath(true));
    }
}
