package io.nsps.connector.web;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import org.glassfish.jersey.server.monitoring.ApplicationEvent;
import org.glassfish.jersey.server.monitoring.ApplicationEventListener;
import org.glassfish.jersey.server.monitoring.RequestEvent;
import org.glassfish.jersey.server.monitoring.RequestEventListener;

/**
 * Admits every authenticated request but health checks through {@link Admission}, and gives back
 * what it took once the answer is decided: when the response filters have run, before the answer is
 * written, so that a sender who has read an answer always finds its slot free again. Jersey's
 * {@code FINISHED} event comes once for every request, whatever happened to it (an exception
 * anywhere, a client gone before the answer was written), so no path out leaks a slot either way.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION + 200)
public final class AdmissionFilter implements ContainerRequestFilter, ApplicationEventListener {

    private static final String TICKET = "nsps.admission";

    private final Admission admission;
    private final Runnable eventArrived;

    /** @param eventArrived told of every request but health checks, before it is admitted (the server's idle-memory watch) */
    AdmissionFilter(Admission admission, Runnable eventArrived) {
        this.admission = admission;
        this.eventArrived = eventArrived;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (Requests.isHealthCheck(request)) {
            return;
        }
        eventArrived.run();
        request.setProperty(TICKET, admission.admit(declaredLength(request.getHeaderString(HttpHeaders.CONTENT_LENGTH))));
    }

    /** The declared length (the codec refused a malformed or repeated one), or -1. */
    private static long declaredLength(String header) {
        try {
            return header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void onEvent(ApplicationEvent event) {
    }

    @Override
    public RequestEventListener onRequest(RequestEvent start) {
        return event -> {
            RequestEvent.Type type = event.getType();
            if ((type == RequestEvent.Type.RESP_FILTERS_FINISHED || type == RequestEvent.Type.FINISHED)
                    && event.getContainerRequest().getProperty(TICKET) instanceof Admission.Ticket ticket) {
                ticket.release();
            }
        };
    }
}
