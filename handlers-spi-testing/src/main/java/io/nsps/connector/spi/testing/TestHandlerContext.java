package io.nsps.connector.spi.testing;

import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.spi.UpstreamCredentials;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link HandlerContext} for a handler's unit tests, without an environment: settings from a map
 * (keys without the handler's prefix, read as the connector reads them, with {@link ConfigValues}:
 * the same syntax, the same problems, a secret also as {@code <KEY>_FILE}), a clock of the test's
 * choosing, credentials given as an object, tracing headers, and a logger and a problem list the
 * test reads back.
 *
 * <pre>{@code
 * TestHandlerContext context = TestHandlerContext.forHandler("vendor-crm")
 *         .setting("URL", crm.url())
 *         .credentials(TestCredentials.bearer("t0ken"));
 * EventHandler handler = new CrmHandlerFactory().create(context);
 * assertThat(context.problems()).isEmpty();
 * }</pre>
 */
public final class TestHandlerContext implements HandlerContext {

    private final String name;
    private final String prefix;
    private final Map<String, String> settings = new HashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final List<UpstreamCall> upstreamCalls = new CopyOnWriteArrayList<>();
    private volatile Clock clock = Clock.systemUTC();
    private volatile UpstreamCredentials credentials = TestCredentials.none();
    private volatile Map<String, String> tracingHeaders = Map.of();

    private TestHandlerContext(String name, String prefix) {
        this.name = name;
        this.prefix = prefix;
    }

    /** A context for the handler of this name, with the prefix the connector derives from it. */
    public static TestHandlerContext forHandler(String handlerName) {
        return new TestHandlerContext(handlerName, ConfigValues.prefixOf(handlerName));
    }

    /** A context for this factory's handler, with the factory's own prefix. */
    public static TestHandlerContext forFactory(HandlerFactory factory) {
        return new TestHandlerContext(factory.name(), factory.configPrefix());
    }

    /** A setting, named without the prefix ({@code "URL"} for {@code VENDOR_CRM_URL}). */
    public TestHandlerContext setting(String key, String value) {
        settings.put(key, value);
        return this;
    }

    public TestHandlerContext settings(Map<String, String> values) {
        settings.putAll(values);
        return this;
    }

    public TestHandlerContext clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public TestHandlerContext credentials(UpstreamCredentials credentials) {
        this.credentials = credentials;
        return this;
    }

    /** The tracing headers {@link #tracingHeaders()} returns (the connector's are per event). */
    public TestHandlerContext tracingHeaders(Map<String, String> headers) {
        this.tracingHeaders = Map.copyOf(headers);
        return this;
    }

    /** The configuration problems recorded, each as the connector would list it at start-up. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** A call the handler told the connector of ({@link HandlerContext#recordUpstreamCall}). */
    public record UpstreamCall(String action, int status, Duration took) {
    }

    /** Every call the handler told of, in order. */
    public List<UpstreamCall> upstreamCalls() {
        return List.copyOf(upstreamCalls);
    }

    @Override
    public void recordUpstreamCall(String action, int status, Duration took) {
        upstreamCalls.add(new UpstreamCall(action, status, took));
    }

    /** Every message logged through {@link #logger()}, in order (a throwable logged with one is not included). */
    public List<String> logged() {
        return List.copyOf(logged);
    }

    @Override
    public String handlerName() {
        return name;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public UpstreamCredentials credentials() {
        return credentials;
    }

    @Override
    public Map<String, String> tracingHeaders() {
        return tracingHeaders;
    }

    @Override
    public HandlerConfig config() {
        return new Config();
    }

    @Override
    public System.Logger logger() {
        return new Logger();
    }

    /** The settings, parsed and checked as the connector's environment reader does. */
    private final class Config implements HandlerConfig {

        @Override
        public String prefix() {
            return prefix;
        }

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(settings.get(key)).map(String::trim).filter(v -> !v.isEmpty());
        }

        @Override
        public String require(String key) {
            Optional<String> value = get(key);
            if (value.isEmpty()) {
                problems.add(prefix + key + " is required");
            }
            return value.orElse(null);
        }

        @Override
        public Optional<String> secret(String key) {
            Optional<String> direct = get(key);
            Optional<String> file = get(key + "_FILE");
            if (direct.isPresent() && file.isPresent()) {
                problems.add(prefix + key + " and " + prefix + key + "_FILE are both set; set one");
                return Optional.empty();
            }
            if (file.isEmpty()) {
                return direct;
            }
            try {
                return Optional.of(ConfigValues.readSecretFile(prefix + key + "_FILE", file.get()));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                return Optional.empty();
            }
        }

        @Override
        public Duration duration(String key, Duration defaultValue) {
            return parsed(key, defaultValue, ConfigValues::parseDuration);
        }

        @Override
        public long number(String key, long defaultValue, long min, long max) {
            return parsed(key, defaultValue, text -> ConfigValues.parseWholeNumber(text, min, max));
        }

        @Override
        public List<String> list(String key, List<String> defaultValue) {
            return get(key).map(ConfigValues::parseList).orElse(defaultValue);
        }

        @Override
        public void reportProblem(String key, String problem) {
            problems.add(prefix + key + ": " + problem);
        }

        private <T> T parsed(String key, T defaultValue, Function<String, T> parser) {
            Optional<String> value = get(key);
            if (value.isEmpty()) {
                return defaultValue;
            }
            try {
                return parser.apply(value.get());
            } catch (IllegalArgumentException e) {
                problems.add(prefix + key + ": " + e.getMessage());
                return defaultValue;
            }
        }
    }

    /** Records every message; every level is loggable, so a test sees what DEBUG would write. */
    private final class Logger implements System.Logger {

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            logged.add(message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            logged.add(params == null || params.length == 0 ? format : java.text.MessageFormat.format(format, params));
        }

        @Override
        public void log(Level level, Supplier<String> messageSupplier) {
            logged.add(messageSupplier.get());
        }
    }

    @Override
    public String toString() {
        return "TestHandlerContext[" + name + ", " + prefix + "*, settings " + settings.keySet() + "]";
    }
}
