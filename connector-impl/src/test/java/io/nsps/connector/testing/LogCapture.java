package io.nsps.connector.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.logging.LogFormat;
import io.nsps.connector.logging.LoggingSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Every log line the JVM writes, encoded by the production JSON encoder (so masking and field
 * names are what operators get), kept for the whole test run so the suite can assert on them.
 */
public final class LogCapture {

    private static final List<String> LINES = new CopyOnWriteArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogCapture() {
    }

    /** (Re)attaches the capture to the root logger; call after anything that reconfigures logging. */
    public static synchronized void attach() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root.getAppender("capture") != null) {
            return;
        }
        Encoder<ILoggingEvent> encoder = LoggingSetup.encoder(LogFormat.JSON, context);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                LINES.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
            }
        };
        appender.setName("capture");
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    public static List<String> lines() {
        return List.copyOf(LINES);
    }

    public static List<JsonNode> json() {
        return LINES.stream().map(LogCapture::parse).toList();
    }

    /** The lines that carry this {@code request_id}. */
    public static List<JsonNode> forRequest(String requestId) {
        return json().stream().filter(line -> requestId.equals(line.path("request_id").asText())).toList();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("a log line is not JSON: " + line, e);
        }
    }
}
