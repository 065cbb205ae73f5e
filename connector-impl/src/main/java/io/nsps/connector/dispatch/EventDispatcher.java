package io.nsps.connector.dispatch;

import io.nsps.connector.model.Event;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.HandlerResult;
import java.util.ArrayList;
import java.util.List;
import io.nsps.connector.logging.LoggingSetup;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Hands an event to every enabled handler that declared its type, in the order of {@code HANDLERS}.
 * An event no handler takes is acknowledged as ignored: it is not an error that NSPS should retry.
 * The first handler failure stops the dispatch and decides the answer.
 *
 * <p>Each handler gets an event of its own: with several handlers for one event, every handler
 * after the first gets a copy made before the first one runs, so that what one handler changes in
 * its event no other handler sees.
 */
public final class EventDispatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final List<RegisteredHandler> handlers;

    public EventDispatcher(List<RegisteredHandler> handlers) {
        this.handlers = List.copyOf(handlers);
    }

    public DispatchResult dispatch(Event event) throws HandlerFailure {
        return dispatch(event, new ArrayList<>());
    }

    /**
     * Dispatches, and adds to {@code calls} every call the handlers tell of meanwhile (their
     * external systems'), also when a handler fails.
     */
    public DispatchResult dispatch(Event event, List<UpstreamCall> calls) throws HandlerFailure {
        UpstreamCall.collectInto(calls);
        try {
            return dispatchCollecting(event);
        } finally {
            UpstreamCall.stopCollecting();
        }
    }

    private DispatchResult dispatchCollecting(Event event) throws HandlerFailure {
        String type = event.getData().getEventType();
        List<RegisteredHandler> takers = handlers.stream().filter(h -> h.takes(type)).toList();
        if (!takers.isEmpty()) {
            // Every line the handlers log for this event, and the access line, name them.
            MDC.put(LoggingSetup.MDC_HANDLER, takers.stream().map(RegisteredHandler::name).collect(Collectors.joining(",")));
        }
        if (takers.isEmpty()) {
            String reason = "Event ignored: no enabled handler takes event type " + type;
            LOG.info(reason);
            return new DispatchResult(List.of(), false, reason);
        }
        List<Event> events = new ArrayList<>(takers.size());
        events.add(event);
        for (int i = 1; i < takers.size(); i++) {
            events.add(EventCopies.copy(event));
        }
        List<String> messages = new ArrayList<>();
        boolean processed = false;
        for (int i = 0; i < takers.size(); i++) {
            RegisteredHandler taker = takers.get(i);
            HandlerResult result;
            Event own = events.get(i);
            try {
                result = ContextLoader.with(taker.loader(), () -> taker.handler().handle(own));
            } catch (HandlerException e) {
                throw new HandlerFailure(taker.name(), e);
            }
            if (result == null) {
                throw new IllegalStateException("handler " + taker.name() + " returned no result");
            }
            processed |= result.outcome() == HandlerResult.Outcome.PROCESSED;
            messages.add(takers.size() == 1 ? result.message() : taker.name() + ": " + result.message());
        }
        return new DispatchResult(takers.stream().map(RegisteredHandler::name).toList(), processed, String.join("; ", messages));
    }

    @Override
    public void close() {
        for (RegisteredHandler handler : handlers) {
            try {
                handler.close();
            } catch (RuntimeException e) {
                LOG.warn("Handler {} failed to close", handler.name(), e);
            }
        }
    }
}
