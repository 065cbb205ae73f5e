package io.nsps.connector.dispatch;

import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.UpstreamCredentials;
import java.time.Clock;

/** The context given to a handler factory; the logger goes through SLF4J (slf4j-jdk-platform-logging). */
record DefaultHandlerContext(String handlerName, HandlerConfig config, Clock clock, UpstreamCredentials credentials)
        implements HandlerContext {

    @Override
    public System.Logger logger() {
        return System.getLogger("io.nsps.connector.handler." + handlerName);
    }
}
