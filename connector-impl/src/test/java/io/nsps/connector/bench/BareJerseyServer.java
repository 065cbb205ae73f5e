package io.nsps.connector.bench;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * The floor of the decided stack, for scripts/bench.py: Jersey on Grizzly answering every POST with
 * a fixed 202, with no authentication, JSON parsing, validation, state or logging. What the
 * connector costs above this is its own; what this costs above nginx is the stack's.
 * Usage: {@code java -cp <test classpath> io.nsps.connector.bench.BareJerseyServer <port>}.
 */
public final class BareJerseyServer {

    private BareJerseyServer() {
    }

    @Path("/")
    public static final class Accept {
        @POST
        @Path("{any: .*}")
        @Consumes("*/*")
        @Produces("application/json")
        public Response accept(byte[] body) {
            return Response.accepted("{\"message\":\"Event accepted for processing\"}").build();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        ResourceConfig application = new ResourceConfig(Accept.class).property(ServerProperties.WADL_FEATURE_DISABLE, true);
        GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:" + args[0] + "/"), application);
        Thread.currentThread().join();
    }
}
