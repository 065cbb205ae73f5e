package io.nsps.connector.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * {@code LOG_FORMAT=text}: one readable line per event, tracing ids included, every field masked,
 * cut and escaped ({@link LogText}), so that one event is always exactly one line.
 */
final class TextLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final OneLineThrowableConverter throwables = new OneLineThrowableConverter();

    @Override
    public void start() {
        throwables.start();
        super.start();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160);
        line.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ')
                .append(String.format("%-5s", event.getLevel())).append(' ')
                .append(shortName(event.getLoggerName()));
        Map<String, String> mdc = event.getMDCPropertyMap();
        String requestId = mdc.get(LoggingSetup.MDC_REQUEST_ID);
        if (requestId != null) {
            line.append(" [").append(LogText.forText(requestId)).append(']');
        }
        line.append(" - ").append(LogText.forText(event.getFormattedMessage()));
        String throwable = throwables.convert(event);
        if (!throwable.isEmpty()) {
            line.append(" | ").append(throwable);
        }
        return line.append(System.lineSeparator()).toString();
    }

    private static String shortName(String loggerName) {
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }
}
