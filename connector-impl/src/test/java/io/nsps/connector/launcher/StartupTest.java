package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.server.ConnectorServer;
import io.nsps.connector.testing.FreePort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Start-up refusals and the handlers listing, through the real command line. */
final class StartupTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void captureConsole() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreConsole() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void refusesToStartWithoutATokenListingEveryProblemAtOnce() {
        int exit = Main.run(new String[] {"serve"}, Map.of("PORT", "eighty", "SHUTDOWN_GRACE", "10 parsecs",
                "EVENTS_PATH", "no-slash", "LOG_FORMAT", "xml", "HANDLERS_DIR", "target/no-handlers-dir"));

        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(2);
        assertThat(message).startsWith("nsps-connector cannot start: configuration has 6 errors:")
                .contains("PORT: 'eighty' is not a whole number")
                .contains("API_TOKEN is required")
                .contains("EVENTS_PATH: 'no-slash' is not a URL path")
                .contains("HANDLERS is required")
                .contains("LOG_FORMAT: 'xml' is not one of json, text")
                .contains("SHUTDOWN_GRACE: '10 parsecs' is not a duration");
        assertThat(message).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://hlr-user:hlr-url-password-77@hlr.example:3001/wtl", "hlr-user:hlr-url-password-77@hlr.example:3001/wtl"})
    void aPasswordWrittenIntoAnUpstreamUrlIsNotRepeatedByTheRefusalWithOrWithoutItsScheme(String url) {
        int exit = Main.run(new String[] {"serve"}, Map.of("API_TOKEN", "startup-test-token-1234567890", "HANDLERS", "hlr-hss",
                "HLR_API_URL", url, "HANDLERS_DIR", "target/no-handlers-dir"));

        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(2);
        assertThat(message).contains("HLR_API_URL: must not carry user information").doesNotContain("hlr-url-password-77");
    }

    @Test
    void aDatabaseDownAtStartIsAStartFailureToRetryNotAConfigurationError() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Map<String, String> env = trainingEnv();
        env.putAll(Map.of("STATE_STORE", "postgres", "STATE_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/nsps",
                "STATE_DB_USER", "nsps", "STATE_DB_PASSWORD", "db-password-never-printed", "STATE_DB_TIMEOUT", "250ms"));

        int exit = Main.run(new String[] {"serve"}, env);

        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(message).isEqualTo(1);
        assertThat(message).contains("nsps-connector cannot start: the state store cannot be opened")
                .doesNotContain("db-password-never-printed").doesNotContain("\tat ");
    }

    @Test
    void aMisspeltSettingIsRefusedWithTheOneMeantListedWithTheOtherProblems() {
        Map<String, String> env = trainingEnv();
        env.remove("HANDLERS");
        env.putAll(Map.of("HANDLER", "log", "STATE_STOR", "postgres"));

        int exit = Main.run(new String[] {"serve"}, env);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HANDLERS is required")
                .contains("HANDLER is not a setting; did you mean HANDLERS?")
                .contains("STATE_STOR is not a setting; did you mean STATE_STORE?");
    }

    @Test
    void anEventsPortAlreadyTakenIsNamedInTheRefusal() throws Exception {
        try (ServerSocket taken = new ServerSocket(FreePort.pick(), 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> env = trainingEnv();
            env.put("PORT", String.valueOf(taken.getLocalPort()));
            int exit = Main.run(new String[] {"serve"}, env);

            assertThat(exit).isNotZero();
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("nsps-connector cannot start: the address is in use or not available (127.0.0.1:" + taken.getLocalPort() + ": ")
                    .contains("set HOST and PORT")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void theTrainingRunForTheClassDataArchiveTakesBothShippedHandlersPaths() {
        // It checks its own answers and the HLR's calls, and fails rather than record a partial archive.
        int exit = Main.run(new String[] {"train"}, Map.of("HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void theTrainingRunTriesAnotherManagementPortWhenTheOneItProbedWasTakenMeanwhile() throws Exception {
        try (ServerSocket taken = new ServerSocket(FreePort.pick(), 1, InetAddress.getLoopbackAddress())) {
            int free = FreePort.pick();
            Iterator<Integer> ports = List.of(taken.getLocalPort(), free).iterator();
            ConnectorServer server = Main.Train.startOnAFreeManagementPort(trainingEnv(), ports::next);
            try {
                assertThat(server.managementUri()).hasValueSatisfying(uri -> assertThat(uri.getPort()).isEqualTo(free));
            } finally {
                server.shutdownGracefully();
            }
        }
    }

    @Test
    void theTrainingRunGivesUpAfterThreeTakenManagementPorts() throws Exception {
        try (ServerSocket taken = new ServerSocket(FreePort.pick(), 1, InetAddress.getLoopbackAddress())) {
            AtomicInteger tries = new AtomicInteger();
            assertThatThrownBy(() -> Main.Train.startOnAFreeManagementPort(trainingEnv(), () -> {
                tries.incrementAndGet();
                return taken.getLocalPort();
            })).isInstanceOf(IOException.class).hasCauseInstanceOf(BindException.class);
            assertThat(tries).hasValue(3);
        }
    }

    private static Map<String, String> trainingEnv() {
        return new HashMap<>(Map.of("API_TOKEN", "startup-test-token-1234567890", "HANDLERS", "log", "HOST", "127.0.0.1", "PORT", "0",
                "LOG_LEVEL", "error", "HANDLERS_DIR", "target/no-handlers-dir"));
    }

    @Test
    void aTokenTooShortToBeSafeOrMaskedIsRefused() {
        int exit = Main.run(new String[0], Map.of("API_TOKEN", "short-token", "HANDLERS", "log", "HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("API_TOKEN: a token must have at least 16 characters")
                .doesNotContain("short-token");
    }

    @Test
    void unknownHandlerIsReportedWithTheAvailableOnes() {
        int exit = Main.run(new String[0], Map.of("API_TOKEN", "some-token-value", "HANDLERS", "log,hlr-nope",
                "HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("HANDLERS names unknown handler 'hlr-nope'; available: ")
                .contains("log").contains("probe");
    }

    @Test
    void handlerNamedTwiceIsReportedWithTheAvailableOnes() {
        int exit = Main.run(new String[0], Map.of("API_TOKEN", "some-token-value", "HANDLERS", "log, log",
                "HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HANDLERS names 'log' twice; available: ").contains("hlr-hss");
    }

    @Test
    void handlerConfigurationProblemsAreReportedWithTheConnectorsOwn() {
        int exit = Main.run(new String[0], Map.of("HANDLERS", "probe", "PROBE_SECRET_PHRASE", "a", "PROBE_SECRET_PHRASE_FILE", "/nope",
                "HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("configuration has 2 errors")
                .contains("API_TOKEN is required")
                .contains("PROBE_SECRET_PHRASE and PROBE_SECRET_PHRASE_FILE are both set; set one");
    }

    @Test
    void secretsAreNeverEchoedInStartupErrors() {
        int exit = Main.run(new String[0], Map.of("API_TOKEN", "token with spaces-secret", "HANDLERS", "log",
                "HANDLERS_DIR", "target/no-handlers-dir"));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("API_TOKEN: a token may hold printable ASCII characters only")
                .doesNotContain("spaces-secret");
    }

    @Test
    void handlersCommandListsDiscoveredHandlersWithTheirEventTypes() {
        int exit = Main.run(new String[] {"handlers"}, Map.of("HANDLERS_DIR", "target/no-handlers-dir", "LOG_HANDLER_EVENT_TYPES", "SIM/*,Account/Blocked"));

        String listing = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(listing).contains("log - Logs a one-line summary of each event and accepts it")
                .contains("settings prefix: LOG_HANDLER_")
                .contains("event types:     SIM/*, Account/Blocked")
                .contains("probe - Test handler driven by data.variables.probe");
    }

    @Test
    void serveWithAnArgumentStillGoesThroughTheCommandLine() {
        // Plain `serve` skips picocli (start-up time); anything more must still be parsed, and refused, by it.
        int exit = Main.run(new String[] {"serve", "--port", "8080"}, Map.of());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown options: '--port', '8080'")
                .contains("Usage: nsps-connector serve");
    }
}
