package io.nsps.connector.handlers.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.UpstreamCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A handler context for unit tests: settings from a map (keys without prefix), a logger that
 * records messages, configurable credentials, and problems collected instead of thrown.
 */
public final class FakeHandlerContext implements HandlerContext {

    public final List<String> logged = new CopyOnWriteArrayList<>();
    public final List<String> problems = new ArrayList<>();
    private final String name;
    private final String prefix;
    private final Map<String, String> settings;
    private final UpstreamCredentials credentials;
    private volatile Clock clock = Clock.systemUTC();

    public FakeHandlerContext(String name, String prefix, Map<String, String> settings, UpstreamCredentials credentials) {
        this.name = name;
        this.prefix = prefix;
        this.settings = settings;
        this.credentials = credentials;
    }

    /** A sample event shipped in api-spec. */
    public static Event sample(String file) {
        try (InputStream in = FakeHandlerContext.class.getClassLoader().getResourceAsStream("examples/events/" + file)) {
            return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(in, Event.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Event event(String json) {
        try {
            return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json, Event.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String handlerName() {
        return name;
    }

    /** The clock handlers created from this context read (the system's by default). */
    public FakeHandlerContext useClock(Clock clock) {
        this.clock = clock;
        return this;
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
    public HandlerConfig config() {
        return new HandlerConfig() {
            @Override
            public String prefix() {
                return prefix;
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(settings.get(key)).filter(v -> !v.isBlank());
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
                return get(key);
            }

            @Override
            public Duration duration(String key, Duration defaultValue) {
                return get(key).map(ConfigValues::parseDuration).orElse(defaultValue);
            }

            @Override
            public long number(String key, long defaultValue, long min, long max) {
                return get(key).map(Long::parseLong).orElse(defaultValue);
            }

            @Override
            public List<String> list(String key, List<String> defaultValue) {
                return get(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).toList()).orElse(defaultValue);
            }

            @Override
            public void reportProblem(String key, String problem) {
                problems.add(prefix + key + ": " + problem);
            }
        };
    }

    @Override
    public System.Logger logger() {
        return new System.Logger() {
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
                logged.add(format);
            }

            @Override
            public void log(Level level, Supplier<String> messageSupplier) {
                logged.add(messageSupplier.get());
            }
        };
    }
}
