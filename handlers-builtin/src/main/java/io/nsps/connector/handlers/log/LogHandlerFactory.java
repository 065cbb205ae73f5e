package io.nsps.connector.handlers.log;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * {@code log}: writes a one-line summary of every event it takes and accepts it. Useful to point
 * NSPS at a new deployment before a provisioning handler is configured, and in the demo.
 *
 * <p>Settings: {@code LOG_HANDLER_EVENT_TYPES}, the event types to take (default {@code *}).
 */
public final class LogHandlerFactory implements HandlerFactory {

    @Override
    public String name() {
        return "log";
    }

    @Override
    public String description() {
        return "Logs a one-line summary of each event and accepts it";
    }

    @Override
    public String configPrefix() {
        // Not LOG_: LOG_LEVEL and LOG_FORMAT are the connector's own settings.
        return "LOG_HANDLER_";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        List<String> types = context.config().list("EVENT_TYPES", List.of("*"));
        return new LogHandler(new LinkedHashSet<>(types), context.logger());
    }
}
