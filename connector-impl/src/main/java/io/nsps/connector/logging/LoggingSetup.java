package io.nsps.connector.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.time.Duration;
import net.logstash.logback.decorate.CharacterEscapesJsonFactoryDecorator;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures logging once, at start-up, from {@code LOG_FORMAT} and {@code LOG_LEVEL}: one JSON
 * object per line on standard output (logstash-logback-encoder), or readable text. Grizzly and
 * Jersey log through java.util.logging, which is routed here too.
 */
public final class LoggingSetup {

    /** MDC key of {@code x-b3-traceid}. */
    public static final String MDC_REQUEST_ID = "request_id";
    /** MDC key of {@code x-request-id}. */
    public static final String MDC_UNIQUE_ID = "unique_id";
    /** MDC key of the handlers that take the event being served. */
    public static final String MDC_HANDLER = "handler";

    private static final String APPENDER = "stdout";
    /** The format, level and flush interval {@link #apply} last set up, e.g. "JSON/INFO/PT0S". */
    private static volatile String applied;
    /** The appender on standard output in use: what it holds is written when the JVM shuts down. */
    private static volatile StandardOutputAppender current;
    private static boolean writeAtExitInstalled;

    private LoggingSetup() {
    }

    /**
     * @param flushInterval zero: every line is written to standard output as it is logged
     *     ({@link GroupWriteAppender}); above zero: lines are buffered and written at least this often
     *     ({@link BufferedOutputAppender})
     */
    public static void configure(LogFormat format, LogLevel level, Duration flushInterval) {
        routeJavaUtilLogging();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        // The defaults (JSON, INFO, no buffer) are what DefaultLoggingConfigurator already built:
        // building them again cost ~50 ms of start-up.
        if (key(format, level, flushInterval).equals(applied) && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER) != null) {
            return;
        }
        context.reset();
        apply(context, format, level, flushInterval);
    }

    /**
     * One appender on standard output with the format's encoder (written line by line, or through a
     * buffer flushed at least every {@code flushInterval}); the level on the root and on the
     * libraries' chatty loggers.
     */
    static void apply(LoggerContext context, LogFormat format, LogLevel level, Duration flushInterval) {
        FileOutputStream standardOutput = new FileOutputStream(FileDescriptor.out);
        StandardOutputAppender appender = flushInterval.isZero()
                ? new GroupWriteAppender(standardOutput)
                : new BufferedOutputAppender(flushInterval, standardOutput);
        current = appender;
        writeAtExit();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setEncoder(encoder(format, context));
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level.name()));
        if ("async".equals(System.getenv("NSPS_LOG_APPENDER_EXPERIMENT"))) {
            // MEASUREMENT ONLY (issue 20): logstash's async disruptor appender over a console appender.
            appender.stop();
            ch.qos.logback.core.ConsoleAppender<ILoggingEvent> console = new ch.qos.logback.core.ConsoleAppender<>();
            console.setContext(context);
            console.setEncoder(encoder(format, context));
            console.setImmediateFlush(false);
            console.start();
            net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender async = new net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender();
            async.setContext(context);
            async.setName(APPENDER);
            async.addAppender(console);
            async.setAppendTimeout(ch.qos.logback.core.util.Duration.valueOf("-1 milliseconds"));
            async.start();
            root.addAppender(async);
        } else {
            root.addAppender(appender);
        }
        // The libraries' own INFO chatter (banner lines, provider scans) is noise in an event log.
        if (level.compareTo(LogLevel.INFO) >= 0) {
            context.getLogger("org.glassfish").setLevel(Level.WARN);
            context.getLogger("io.smallrye").setLevel(Level.WARN);
        }
        // Grizzly announces every graceful shutdown at WARN ("GRIZZLY0030: Shutting down transport");
        // the connector's own lines tell the shutdown, and a WARN on every clean stop reads as trouble.
        context.getLogger("org.glassfish.grizzly.nio.GracefulShutdownRunner").setLevel(Level.ERROR);
        applied = key(format, level, flushInterval);
    }

    private static String key(LogFormat format, LogLevel level, Duration flushInterval) {
        return format + "/" + level + "/" + flushInterval;
    }

    /** Whatever appender is in use when the JVM shuts down writes what it still holds then. */
    private static synchronized void writeAtExit() {
        if (!writeAtExitInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> current.writeHeldLines(), "nsps-log-write-at-exit"));
            writeAtExitInstalled = true;
        }
    }

    /** The encoder for a format, also used by tests to capture exactly what production writes. */
    public static Encoder<ILoggingEvent> encoder(LogFormat format, LoggerContext context) {
        if (format == LogFormat.TEXT) {
            LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
            TextLayout layout = new TextLayout();
            layout.setContext(context);
            layout.start();
            encoder.setLayout(layout);
            encoder.setContext(context);
            encoder.start();
            return encoder;
        }
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        LogstashFieldNames names = encoder.getFieldNames();
        names.setVersion("[ignore]");
        names.setLevelValue("[ignore]");
        names.setThread("thread");
        names.setLogger("logger");
        names.setStackTrace("error");
        OneLineThrowableConverter throwables = new OneLineThrowableConverter();
        throwables.setContext(context);
        encoder.setThrowableConverter(throwables);
        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        masking.addValueMasker(new SecretValueMasker());
        masking.start();
        encoder.setJsonGeneratorDecorator(masking);
        encoder.setJsonFactoryDecorator(escapes());
        encoder.addProvider(new SeverityJsonProvider());
        encoder.start();
        return encoder;
    }

    /**
     * JSON escapes C0 controls itself; this adds the other characters {@link LogText} escapes (C1
     * controls, format characters such as bidi overrides, U+2028 and U+2029, which JavaScript and
     * some log viewers take as line ends), so a value can neither break a line nor hide text.
     */
    private static CharacterEscapesJsonFactoryDecorator escapes() {
        CharacterEscapesJsonFactoryDecorator escapes = new CharacterEscapesJsonFactoryDecorator();
        for (int c = 0x7f; c <= 0xFFFF; c++) {
            if (LogText.needsEscape(c)) {
                escapes.addEscape(new CharacterEscapesJsonFactoryDecorator.Escape(c, String.format("\\u%04x", c)));
            }
        }
        return escapes;
    }

    private static void routeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
    }

}
