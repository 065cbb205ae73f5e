package io.nsps.connector.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import net.logstash.logback.appender.AsyncDisruptorAppender;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
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
    /** MDC key of the id of the event being served. */
    public static final String MDC_EVENT_ID = "event_id";
    /** MDC key of the type of the event being served. */
    public static final String MDC_EVENT_TYPE = "event_type";
    /** MDC key of the handlers that take the event being served. */
    public static final String MDC_HANDLER = "handler";

    private static final String APPENDER = "stdout";
    /**
     * Lines that may wait for standard output; a logging thread that finds them all waiting blocks
     * until one is written (never drops a line). logstash's default, the size measured.
     */
    static final int MAX_WAITING_LINES = 8192;
    /** How long the process's exit waits for the waiting lines to be written. */
    static final java.time.Duration EXIT_DRAIN = java.time.Duration.ofSeconds(10);
    /** The format and level {@link #apply} last set up, e.g. "JSON/INFO". */
    private static volatile String applied;
    /** The appender in use: what it still holds is written when the JVM shuts down. */
    private static volatile Appender<ILoggingEvent> current;
    private static boolean drainAtExitInstalled;

    private LoggingSetup() {
    }

    public static void configure(LogFormat format, LogLevel level) {
        routeJavaUtilLogging();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        // The defaults (JSON, INFO) are what DefaultLoggingConfigurator already built: building them
        // again cost ~50 ms of start-up.
        if (key(format, level).equals(applied) && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER) != null) {
            return;
        }
        context.reset();
        apply(context, format, level);
    }

    /**
     * No log lines at all, whatever logs (the connector, its libraries, a handler, through SLF4J,
     * java.util.logging or System.Logger): for the commands whose standard output is their report
     * (every command but {@code serve} and {@code demo}), chosen in one place, the launcher's.
     */
    public static void silence() {
        routeJavaUtilLogging();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
        applied = "OFF";
    }

    /**
     * One appender on standard output with the format's encoder ({@link #standardOutput}); the level
     * on the root and on the libraries' chatty loggers.
     */
    static void apply(LoggerContext context, LogFormat format, LogLevel level) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder(format, context));
        console.setImmediateFlush(false);
        console.start();
        Appender<ILoggingEvent> appender = standardOutput(context, console);
        current = appender;
        drainAtExit();

        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        levels(context, level);
        ClientFramingWarnings framing = new ClientFramingWarnings();
        framing.setContext(context);
        framing.start();
        context.addTurboFilter(framing);
        applied = key(format, level);
    }

    /** The root's level, and the libraries' loggers that must say less (or nothing) whatever it is. */
    static void levels(LoggerContext context, LogLevel level) {
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.name()));
        // The libraries' own INFO chatter (banner lines, provider scans) is noise in an event log.
        if (level.compareTo(LogLevel.INFO) >= 0) {
            context.getLogger("org.glassfish").setLevel(Level.WARN);
            context.getLogger("io.smallrye").setLevel(Level.WARN);
        }
        // Grizzly announces every graceful shutdown at WARN ("GRIZZLY0030: Shutting down transport");
        // the connector's own lines tell the shutdown, and a WARN on every clean stop reads as trouble.
        context.getLogger("org.glassfish.grizzly.nio.GracefulShutdownRunner").setLevel(Level.ERROR);
        // Apache HttpClient 5 (handlers-feign's client, in the built-in and vendors' handlers alike: they
        // log through the connector's SLF4J) writes every request header, Authorization included, and
        // the bytes on the wire at DEBUG: never, whatever LOG_LEVEL says.
        context.getLogger("org.apache.hc.client5.http.headers").setLevel(Level.OFF);
        context.getLogger("org.apache.hc.client5.http.wire").setLevel(Level.OFF);
    }

    /**
     * Lines are handed to one writer thread (logstash-logback-encoder's disruptor appender), which
     * writes them to {@code output} in the order they were logged and flushes at the end of each
     * batch, so a logging thread never waits for standard output while fewer than
     * {@link #MAX_WAITING_LINES} lines wait. When that many wait (standard output blocked: a full
     * pipe, a stalled collector), a logging thread blocks until there is room: memory stays bounded
     * and no line is ever dropped. Measured against the group write it replaced in
     * docs/performance.md ("Log lines").
     */
    static AsyncDisruptorAppender<ILoggingEvent, ?> standardOutput(LoggerContext context, Appender<ILoggingEvent> output) {
        LoggingEventAsyncDisruptorAppender async = new LoggingEventAsyncDisruptorAppender();
        async.setContext(context);
        async.setName(APPENDER);
        async.setRingBufferSize(MAX_WAITING_LINES);
        // Negative: wait for room as long as it takes (the default, zero, drops the line).
        async.setAppendTimeout(ch.qos.logback.core.util.Duration.buildByMilliseconds(-1));
        async.setShutdownGracePeriod(ch.qos.logback.core.util.Duration.buildByMilliseconds(EXIT_DRAIN.toMillis()));
        async.setThreadNameFormat("nsps-log-writer");
        async.addAppender(output);
        async.start();
        return async;
    }

    private static String key(LogFormat format, LogLevel level) {
        return format + "/" + level;
    }

    /**
     * Whatever appender is in use when the JVM shuts down writes the lines still waiting (its
     * writer thread is a daemon, which would otherwise die with them).
     */
    private static synchronized void drainAtExit() {
        if (!drainAtExitInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> current.stop(), "nsps-log-drain-at-exit"));
            drainAtExitInstalled = true;
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
