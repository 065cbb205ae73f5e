package io.nsps.connector.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Grizzly's WARN "GRIZZLY0013: Exception during FilterChain execution" when what failed is a
 * client's malformed chunked body (Grizzly's {@code HttpBrokenContentException}): the events port's
 * codec answers it 400 in JSON and writes its access line, so the warning, a cause chain of
 * Grizzly's classes, says nothing more, and any client, a token or not, could write it at will. Any
 * other exception of the filter chain is still logged. (The class is named, not imported: logging
 * does not depend on the server's library.)
 */
final class ClientFramingWarnings extends TurboFilter {

    static final String FILTER_CHAIN_LOGGER = "org.glassfish.grizzly.filterchain.DefaultFilterChain";
    static final String BROKEN_CONTENT = "org.glassfish.grizzly.http.HttpBrokenContentException";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (t == null || !FILTER_CHAIN_LOGGER.equals(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (BROKEN_CONTENT.equals(cause.getClass().getName())) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
