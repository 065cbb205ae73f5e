package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.PostgresDatabase;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

/**
 * The commands an operator reaches for, run as processes as the launcher runs them: help for every
 * command, the shell completion, {@code handlers} without log lines, {@code send}, and
 * {@code check-config}'s probes of each handler's external system and of the state store.
 */
final class OperatorCommandsTest {

    private static final String MAIN = "io.nsps.connector.launcher.Main";

    @Test
    void helpListsEveryCommandAndEachCommandHasItsOwn() throws Exception {
        Run help = run(List.of("help"), Map.of());
        assertThat(help.exit).isZero();
        assertThat(help.text()).contains("serve", "handlers", "check-config", "send", "generate-completion");
        for (String command : List.of("serve", "handlers", "check-config", "send")) {
            Run own = run(List.of(command, "--help"), Map.of());
            assertThat(own.exit).as(command + " --help").isZero();
            assertThat(own.text()).as(command + " --help").contains("Usage: nsps-connector " + command);
        }
        Run completion = run(List.of("generate-completion"), Map.of());
        assertThat(completion.exit).isZero();
        assertThat(completion.text()).contains("complete -F").contains("check-config");
    }

    @Test
    void theHandlersListingHoldsNoLogLines() throws Exception {
        Run handlers = run(List.of("handlers"), Map.of());

        assertThat(handlers.exit).isZero();
        assertThat(handlers.text()).contains("hlr-hss - ").contains("log - ").contains("Handlers folder");
        assertThat(handlers.output).noneMatch(line -> line.startsWith("{") || line.contains("INFO"));
    }

    @Test
    void sendPostsASampleByNameAndPrintsTheAnswer() throws Exception {
        try (RunningConnector connector = RunningConnector.start(Map.of("HANDLERS", "log", "LOG_HANDLER_EVENT_TYPES", "*"))) {
            String url = connector.uri(connector.eventsPath()).toString();
            Run sent = run(List.of("send", "sim-updated", "--url", url, "--token", RunningConnector.TOKEN, "--new-id"), Map.of());
            Run typed = run(List.of("send", "minimal-valid", "--url", url, "--type", "Account/Blocked"),
                    Map.of("API_TOKEN", RunningConnector.TOKEN));
            Run refused = run(List.of("send", "sim-updated", "--url", url, "--token", "wrong-token-0123456789"), Map.of());

            assertThat(sent.exit).as(sent.text()).isZero();
            assertThat(sent.output.get(0)).isEqualTo("202");
            assertThat(sent.text()).contains("Event SIM/Updated logged");
            assertThat(typed.text()).contains("Event Account/Blocked logged");
            assertThat(refused.exit).isEqualTo(1);
            assertThat(refused.output.get(0)).isEqualTo("401");
        }
    }

    @Test
    void checkConfigReportsAnUnreachableHlrAndARefusedOauth2Client() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        // A token endpoint that refuses the client, as an OAuth2 server answers a wrong client secret (RFC 6749, 5.2).
        MockWebServer oauth = new MockWebServer();
        oauth.start();
        try {
            oauth.enqueue(new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":\"invalid_client\"}"));
            String secret = TestSecrets.remember("check-config-client-secret-42");
            Run check = run(List.of("check-config"), Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss",
                    "HLR_API_URL", "http://127.0.0.1:" + closed + "/wtl/hlr/v1", "HLR_AUTH", "oauth2",
                    "HLR_OAUTH_TOKEN_URL", oauth.url("/token").toString(), "HLR_OAUTH_CLIENT_ID", "nsps-connector",
                    "HLR_OAUTH_CLIENT_SECRET", secret));

            assertThat(check.exit).as(check.text()).isEqualTo(2);
            assertThat(check.text()).contains("Configuration:", "API_TOKEN=1 token(s) ****")
                    .contains("FAIL  handler hlr-hss: http://127.0.0.1:" + closed + "/wtl/hlr/v1: 127.0.0.1:" + closed)
                    .contains("refuses the connection")
                    .contains("FAIL  handler hlr-hss: credentials: oauth2: The token endpoint refused the connector's credentials (invalid_client)")
                    .contains("OK    state store (memory)")
                    .contains("2 problems:")
                    .doesNotContain(secret);
        } finally {
            oauth.shutdown();
        }
    }

    @Test
    void checkConfigIsContentWhenAllIsWell() throws Exception {
        PostgresDatabase.assumeReachable();
        try (ServerSocket hlr = new ServerSocket(0)) {
            Map<String, String> env = new HashMap<>(PostgresDatabase.connectorSettings(PostgresDatabase.freshSchema()));
            env.putAll(Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss",
                    "HLR_API_URL", "http://127.0.0.1:" + hlr.getLocalPort() + "/wtl/hlr/v1"));
            Run check = run(List.of("check-config"), env);

            assertThat(check.exit).as(check.text()).isZero();
            assertThat(check.text()).contains("OK    handler hlr-hss: http://127.0.0.1:" + hlr.getLocalPort())
                    .contains("TCP " + hlr.getLocalPort() + " connects")
                    .contains("OK    handler hlr-hss: credentials: none configured")
                    .contains("OK    state store (postgres): " + PostgresDatabase.URL + " answers")
                    .contains("All is well.");
        }
    }

    @Test
    void checkConfigListsEveryConfigurationProblemAsServeWould() throws Exception {
        Run check = run(List.of("check-config"), Map.of("HANDLERS", "hlr-hss,nope"));

        assertThat(check.exit).isEqualTo(2);
        assertThat(check.text()).contains("API_TOKEN is required", "HLR_API_URL is required", "unknown handler 'nope'");
    }

    private record Run(int exit, List<String> output) {
        String text() {
            return String.join("\n", output);
        }
    }

    private static Run run(List<String> args, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("LOG_FORMAT", "text"));
        all.putAll(env);
        try (ConnectorProcess process = ConnectorProcess.startMain(MAIN, args, all)) {
            Integer exit = process.awaitExit(60);
            assertThat(exit).as("%s finished", args).isNotNull();
            return new Run(exit, process.output());
        }
    }
}
