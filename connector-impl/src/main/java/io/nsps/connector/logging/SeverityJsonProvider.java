package io.nsps.connector.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractFieldJsonProvider;
import net.logstash.logback.composite.JsonWritingUtils;

/**
 * {@code severity} beside {@code level} in every JSON line, in Google Cloud Logging's words
 * (DEBUG, INFO, WARNING, ERROR): Cloud Run, where PortaOne's guide deploys connectors, classifies
 * a line by it and ignores {@code level}.
 */
final class SeverityJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {

    SeverityJsonProvider() {
        setFieldName("severity");
    }

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        JsonWritingUtils.writeStringField(generator, getFieldName(), severity(event.getLevel()));
    }

    static String severity(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "ERROR";
            case Level.WARN_INT -> "WARNING";
            case Level.INFO_INT -> "INFO";
            default -> "DEBUG";
        };
    }
}
