package io.nsps.connector.spi.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerConfig;
import io.nsps.connector.spi.HandlerContext;
import io.nsps.connector.spi.HandlerFactory;
import io.nsps.connector.spi.HandlerResult;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestHandlerContextTest {

    @Test
    void settingsAreReadUnderThePrefixWithTheConnectorsParsingAndProblems() {
        TestHandlerContext context = TestHandlerContext.forHandler("vendor-crm")
                .setting("URL", "  http://crm.example  ")
                .setting("TIMEOUT", "250ms")
                .setting("RETRIES", "12")
                .setting("TYPES", "SIM/Updated, ,SIM/Deleted")
                .setting("BAD_TIMEOUT", "soon")
                .setting("BLANK", "   ");
        HandlerConfig config = context.config();

        assertThat(config.prefix()).isEqualTo("VENDOR_CRM_");
        assertThat(config.get("URL")).contains("http://crm.example");
        assertThat(config.duration("TIMEOUT", Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(250));
        assertThat(config.list("TYPES", List.of())).containsExactly("SIM/Updated", "SIM/Deleted");
        assertThat(config.number("RETRIES", 3, 0, 10)).as("out of range: the default").isEqualTo(3);
        assertThat(config.duration("BAD_TIMEOUT", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.require("BLANK")).isNull();
        assertThat(config.require("MISSING")).isNull();
        config.reportProblem("URL", "must use https");

        assertThat(context.problems()).containsExactly(
                "VENDOR_CRM_RETRIES: must be between 0 and 10, got 12",
                "VENDOR_CRM_BAD_TIMEOUT: 'soon' is not a duration; write it like 500ms, 10s, 2m, 1h or 35d",
                "VENDOR_CRM_BLANK is required",
                "VENDOR_CRM_MISSING is required",
                "VENDOR_CRM_URL: must use https");
    }

    @Test
    void aUrlMustBeAbsoluteHttpAndATimeoutWithinItsBounds() {
        TestHandlerContext context = TestHandlerContext.forHandler("pcrf")
                .setting("URL", "https://pcrf.example:8443/api/v2//")
                .setting("NO_SCHEME", "pcrf.example:8443/api/v2")
                .setting("FTP", "ftp://pcrf.example/api")
                .setting("WITH_USER", "https://svc:S3cret-pw@pcrf.example/api")
                .setting("NO_SCHEME_WITH_USER", "svc:S3cret-pw@pcrf.example:8443/api")
                .setting("WITH_QUERY", "https://pcrf.example/api?key=K3y-value")
                .setting("TIMEOUT", "3s")
                .setting("ZERO", "0")
                .setting("LONG", "10m");
        HandlerConfig config = context.config();

        assertThat(config.httpUrl("URL")).isEqualTo("https://pcrf.example:8443/api/v2");
        assertThat(config.httpUrl("NO_SCHEME")).isNull();
        assertThat(config.httpUrl("FTP")).isNull();
        assertThat(config.httpUrl("WITH_USER")).isNull();
        assertThat(config.httpUrl("NO_SCHEME_WITH_USER")).isNull();
        assertThat(config.httpUrl("WITH_QUERY")).isNull();
        assertThat(config.httpUrl("MISSING")).isNull();
        assertThat(config.timeout("TIMEOUT", Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.timeout("ZERO", Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.timeout("LONG", Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.timeout("UNSET", Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));

        String userInfo = "must not carry user information (an '@'; not shown, as it may hold a password): give credentials in the"
                + " handler's AUTH settings";
        assertThat(context.problems()).containsExactly(
                "PCRF_NO_SCHEME: 'pcrf.example:8443/api/v2' is not an http(s) URL like https://host:port/base/path",
                "PCRF_FTP: 'ftp://pcrf.example/api' is not an http(s) URL like https://host:port/base/path",
                "PCRF_WITH_USER: " + userInfo,
                "PCRF_NO_SCHEME_WITH_USER: " + userInfo,
                "PCRF_WITH_QUERY: must be a base URL without a query or a fragment (not shown, as it may hold a key):"
                        + " https://host:port/base/path",
                "PCRF_MISSING is required",
                "PCRF_ZERO: must be between 100ms and 25s, got 0s",
                "PCRF_LONG: must be between 100ms and 25s, got 10m");
        assertThat(String.join("\n", context.problems())).doesNotContain("S3cret").doesNotContain("K3y");
    }

    @Test
    void aBoundedDurationsDefaultOutsideItsBoundsIsTheHandlersBugNotTheOperators() {
        HandlerConfig config = TestHandlerContext.forHandler("pcrf").config();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config.timeout("TIMEOUT", Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("must be between 100ms and 25s, got 30s");
    }

    @Test
    void aSecretIsReadFromItsFileAsTheConnectorReadsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path token = java.nio.file.Files.writeString(dir.resolve("token"), "s3cret\n");
        java.nio.file.Path empty = java.nio.file.Files.writeString(dir.resolve("empty"), "\n");
        TestHandlerContext context = TestHandlerContext.forHandler("crm")
                .setting("TOKEN_FILE", token.toString())
                .setting("PASSWORD", "p").setting("PASSWORD_FILE", token.toString())
                .setting("KEY_FILE", empty.toString());

        assertThat(context.config().secret("TOKEN")).contains("s3cret");
        assertThat(context.config().secret("PASSWORD")).isEmpty();
        assertThat(context.config().secret("KEY")).isEmpty();
        assertThat(context.problems()).containsExactly("CRM_PASSWORD and CRM_PASSWORD_FILE are both set; set one",
                "CRM_KEY_FILE names an empty file: " + empty);
    }

    @Test
    void aFactorysOwnPrefixIsUsed() throws Exception {
        HandlerFactory factory = new HandlerFactory() {
            @Override
            public String name() {
                return "log";
            }

            @Override
            public String configPrefix() {
                return "LOG_HANDLER_";
            }

            @Override
            public EventHandler create(HandlerContext context) {
                String greeting = context.config().get("GREETING", "hello");
                context.logger().log(System.Logger.Level.INFO, "created with " + greeting);
                return new EventHandler() {
                    @Override
                    public Set<String> eventTypes() {
                        return Set.of("*");
                    }

                    @Override
                    public HandlerResult handle(io.nsps.connector.model.Event event) {
                        return HandlerResult.processed(greeting + " " + event.getEventId());
                    }
                };
            }
        };
        TestHandlerContext context = TestHandlerContext.forFactory(factory).setting("GREETING", "hi");

        EventHandler handler = factory.create(context);

        assertThat(context.config().prefix()).isEqualTo("LOG_HANDLER_");
        assertThat(context.logged()).containsExactly("created with hi");
        assertThat(context.handlerName()).isEqualTo("log");
        assertThat(handler.handle(SampleEvents.event("minimal-valid")).message()).isEqualTo("hi 7d3f0a52-2c61-4f0e-bb1d-5e2f8f4c9a10");
    }

    @Test
    void theClockCredentialsAndTracingHeadersAreTheTestsOwn() throws Exception {
        TestClock clock = TestClock.at("2026-01-01T00:00:00Z");
        TestHandlerContext context = TestHandlerContext.forHandler("crm")
                .clock(clock)
                .credentials(TestCredentials.basic("user", "pässword"))
                .tracingHeaders(java.util.Map.of("x-request-id", "r-1"));

        clock.advance(Duration.ofMinutes(90));

        assertThat(context.clock().instant()).isEqualTo(java.time.Instant.parse("2026-01-01T01:30:00Z"));
        assertThat(context.credentials().authorization()).isEqualTo("Basic dXNlcjpww6Rzc3dvcmQ=");
        assertThat(context.tracingHeaders()).containsEntry("x-request-id", "r-1");
        assertThat(TestHandlerContext.forHandler("crm").credentials().authorization()).as("none by default").isNull();
    }
}
