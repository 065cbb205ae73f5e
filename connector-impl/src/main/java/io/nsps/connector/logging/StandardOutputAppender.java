package io.nsps.connector.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;

/** The connector's appenders on standard output, which may hold lines for a while. */
abstract class StandardOutputAppender extends OutputStreamAppender<ILoggingEvent> {

    /** Writes (or waits for the writing of) every line logged so far; called when the JVM shuts down. */
    abstract void writeHeldLines();
}
