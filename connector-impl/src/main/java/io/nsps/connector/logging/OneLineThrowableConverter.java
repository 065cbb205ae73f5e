package io.nsps.connector.logging;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * Writes a throwable as one line: each exception in the cause chain with its message and the frame
 * it was thrown from. Enough to find the code, without multi-line stack traces in the log stream
 * (and masked like every other value).
 */
public final class OneLineThrowableConverter extends ThrowableHandlingConverter {

    private static final int MAX_CAUSES = 5;

    @Override
    public String convert(ILoggingEvent event) {
        IThrowableProxy proxy = event.getThrowableProxy();
        if (proxy == null) {
            return "";
        }
        StringBuilder line = new StringBuilder();
        for (int depth = 0; proxy != null && depth < MAX_CAUSES; depth++, proxy = proxy.getCause()) {
            if (depth > 0) {
                line.append("; caused by ");
            }
            line.append(proxy.getClassName());
            if (proxy.getMessage() != null) {
                line.append(": ").append(proxy.getMessage().replace('\n', ' ').replace('\r', ' '));
            }
            StackTraceElementProxy[] frames = proxy.getStackTraceElementProxyArray();
            if (frames != null && frames.length > 0) {
                line.append(" (at ").append(frames[0].getStackTraceElement()).append(')');
            }
        }
        return SecretMasker.mask(line.toString());
    }
}
