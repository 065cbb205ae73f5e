package io.nsps.connector.handlers.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.UpstreamCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

final class LogHandlerTest {

    private final List<String> logged = new ArrayList<>();

    @Test
    void logsOneLineSummaryAndAcceptsTheEvent() throws Exception {
        EventHandler handler = new LogHandlerFactory().create(context(Map.of()));

        HandlerResult result = handler.handle(sample("sim-updated.json"));

        assertThat(result).isEqualTo(HandlerResult.processed("Event SIM/Updated logged"));
        assertThat(logged).containsExactly("event 3e84c79f-ab6f-4546-8e27-0b6ab866f1fb type=SIM/Updated i_event=999999"
                + " account=380501234567@msisdn i_account=277147 account_status=active blocked=false imsi=255010000020349 sim_status=used");
    }

    @Test
    void summaryOfAMinimalEventHasOnlyWhatIsThere() throws Exception {
        EventHandler handler = new LogHandlerFactory().create(context(Map.of()));

        handler.handle(sample("minimal-valid.json"));

        assertThat(logged).containsExactly("event 7d3f0a52-2c61-4f0e-bb1d-5e2f8f4c9a10 type=SIM/Updated");
    }

    @Test
    void eventTypesAreConfigurable() {
        assertThat(new LogHandlerFactory().create(context(Map.of())).eventTypes()).containsExactly("*");
        assertThat(new LogHandlerFactory().create(context(Map.of("EVENT_TYPES", "SIM/*, Account/Blocked"))).eventTypes())
                .containsExactly("SIM/*", "Account/Blocked");
        assertThat(new LogHandlerFactory().configPrefix()).isEqualTo("LOG_HANDLER_");
    }

    private static Event sample(String name) throws IOException {
        try (InputStream in = LogHandlerTest.class.getClassLoader().getResourceAsStream("examples/events/" + name)) {
            return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(in, Event.class);
        }
    }

    /** A fake context: settings from a map, a logger that records messages. */
    private HandlerContext context(Map<String, String> settings) {
        HandlerConfig config = new HandlerConfig() {
            @Override
            public String prefix() {
                return "LOG_HANDLER_";
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(settings.get(key));
            }

            @Override
            public String require(String key) {
                return settings.get(key);
            }

            @Override
            public Optional<String> secret(String key) {
                return get(key);
            }

            @Override
            public Duration duration(String key, Duration defaultValue) {
                return defaultValue;
            }

            @Override
            public long number(String key, long defaultValue, long min, long max) {
                return defaultValue;
            }

            @Override
            public List<String> list(String key, List<String> defaultValue) {
                return get(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).toList()).orElse(defaultValue);
            }

            @Override
            public void reportProblem(String key, String problem) {
                throw new AssertionError(key + ": " + problem);
            }
        };
        System.Logger logger = new System.Logger() {
            @Override
            public String getName() {
                return "test";
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
        return new HandlerContext() {
            @Override
            public String handlerName() {
                return "log";
            }

            @Override
            public HandlerConfig config() {
                return config;
            }

            @Override
            public System.Logger logger() {
                return logger;
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC();
            }

            @Override
            public UpstreamCredentials credentials() {
                throw new AssertionError("the log handler calls no external system");
            }
        };
    }
}
