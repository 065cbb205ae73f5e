package io.nsps.connector.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.FreePort;
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

    /** Every command picocli knows but the hidden ones: a new command cannot be missed. */
    private static List<String> commands() {
        return Main.commandLine(Map.of()).getSubcommands().entrySet().stream()
                .filter(command -> !command.getValue().getCommandSpec().usageMessage().hidden())
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasItsOwn() throws Exception {
        List<String> commands = commands();
        assertThat(commands).contains("serve", "demo", "handlers", "check-config", "send", "journal", "replay", "help", "generate-completion");

        Run help = run(List.of("help"), Map.of());
        assertThat(help.exit).isZero();
        for (String command : commands) {
            assertThat(help.text()).as("help lists " + command).containsPattern("(?m)^ +" + command + " ");
            for (List<String> asked : List.of(List.of(command, "--help"), List.of("help", command))) {
                Run own = run(asked, Map.of());
                assertThat(own.exit).as(String.join(" ", asked) + ": " + own.text()).isZero();
                assertThat(own.output).as(String.join(" ", asked)).anyMatch(line -> line.startsWith("Usage: nsps-connector " + command));
                assertThat(own.output).as(String.join(" ", asked)).noneMatch(OperatorCommandsTest::isLogLine);
                assertThat(own.output).as("a URL is never cut at the line's end: %s", own.text())
                        .noneMatch(line -> BROKEN_URL.matcher(line).find());
            }
        }
        assertThat(run(List.of("journal", "--help"), Map.of()).output).contains("                         Default: http://127.0.0.1:$MANAGEMENT_PORT");
        assertThat(run(List.of("replay", "--help"), Map.of()).output).contains("                         Default: http://127.0.0.1:$MANAGEMENT_PORT");
        assertThat(run(List.of("send", "--help"), Map.of()).output).contains("                        Default: http://127.0.0.1:$PORT$EVENTS_PATH");
        Run completion = run(List.of("generate-completion"), Map.of());
        assertThat(completion.exit).isZero();
        assertThat(completion.text()).contains("complete -F");
        for (String command : commands) {
            assertThat(completion.text()).as("completion of " + command).contains(command);
        }
    }

    /** A URL that ends a line where it cannot end: after a dot, a colon, a slash (picocli wraps there). */
    private static final java.util.regex.Pattern BROKEN_URL = java.util.regex.Pattern.compile("https?://\\S*[.:/_-]$");

    @Test
    void theHandlersListingHoldsNoLogLines() throws Exception {
        for (String format : List.of("text", "json")) {
            Run handlers = run(List.of("handlers"), Map.of("LOG_FORMAT", format, "LOG_LEVEL", "trace"));

            assertThat(handlers.exit).isZero();
            assertThat(handlers.text()).contains("hlr-hss - ").contains("log - ").contains("Handlers folder");
            assertThat(handlers.output).as(format).noneMatch(OperatorCommandsTest::isLogLine);
        }
    }

    /** A log line of either format, at any level: JSON with a level, or text starting with its time and level. */
    static boolean isLogLine(String line) {
        return line.startsWith("{") && (line.contains("\"level\"") || line.contains("\"@timestamp\""))
                || TEXT_LOG_LINE.matcher(line).lookingAt();
    }

    private static final java.util.regex.Pattern TEXT_LOG_LINE = java.util.regex.Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?\\S* +(TRACE|DEBUG|INFO|WARN|ERROR)\\b");

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
        int closed = FreePort.pick();
        // A token endpoint that refuses the client, as an OAuth2 server answers a wrong client secret (RFC 6749, 5.2).
        MockWebServer oauth = new MockWebServer();
        oauth.start();
        try {
            oauth.enqueue(new MockResponse().setResponseCode(401).setHeader("Content-Type", "application/json")
                    .setBody("{\"error\":\"invalid_client\"}"));
            String secret = TestSecrets.remember("check-config-client-secret-42");
            Run check = run(List.of("check-config"), Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss,log",
                    "HLR_API_URL", "http://127.0.0.1:" + closed + "/wtl/hlr/v1", "HLR_AUTH", "oauth2",
                    "HLR_OAUTH_TOKEN_URL", oauth.url("/token").toString(), "HLR_OAUTH_CLIENT_ID", "nsps-connector",
                    "HLR_OAUTH_CLIENT_SECRET", secret, "LOG_FORMAT", "json"));

            assertThat(check.exit).as(check.text()).isEqualTo(2);
            assertThat(check.text()).contains("Configuration:", "API_TOKEN=1 token(s) ****")
                    .contains("FAIL  handler hlr-hss: http://127.0.0.1:" + closed + "/wtl/hlr/v1: 127.0.0.1:" + closed)
                    .contains("refuses the connection")
                    .contains("FAIL  handler hlr-hss: credentials: oauth2: The token endpoint refused the connector's credentials (invalid_client)")
                    .contains("OK    state store (memory)")
                    .contains("2 problems:")
                    .doesNotContain(secret);
            assertThat(check.output).as("the report holds no log line (the refused grant's ALERT included)")
                    .noneMatch(OperatorCommandsTest::isLogLine);
            assertThat(check.output).as("each handler's settings, as it reads them, secrets masked")
                    .contains("Handler hlr-hss:", "  HLR_AUTH=oauth2", "  HLR_OAUTH_CLIENT_ID=nsps-connector", "  HLR_OAUTH_CLIENT_SECRET=****",
                            "  HLR_OAUTH_TIMEOUT=5s", "  HLR_TIMEOUT=10s", "  HLR_API_URL=http://127.0.0.1:" + closed + "/wtl/hlr/v1",
                            "  HLR_IMSI_PATTERN=(unset)", "Handler log:", "  LOG_HANDLER_EVENT_TYPES=*", "  STATE_MEMORY_MAX_EVENTS=200000",
                            "  JOURNAL_MEMORY_MAX_ENTRIES=1000", "  JOURNAL_MEMORY_MAX_BODY_BYTES=4194304", "  IDEMPOTENCY_TTL=35d");
            // Every setting docs/configuration.md lists is printed (but those of the other authentication mode and store).
            java.util.regex.Matcher names = java.util.regex.Pattern.compile("`([A-Z][A-Z0-9_]+)`")
                    .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "configuration.md")).lines()
                            .filter(line -> line.startsWith("| `")).map(line -> line.split("\\|")[1])
                            .collect(java.util.stream.Collectors.joining(" ")));
            List<String> documented = new java.util.ArrayList<>();
            while (names.find()) {
                documented.add(names.group(1));
            }
            assertThat(documented).contains("HLR_API_URL", "STATE_DB_POOL_SIZE", "JOURNAL_BODY_RETENTION");
            for (String name : documented) {
                if (!name.startsWith("JWT_") && !name.startsWith("STATE_DB_")) {
                    assertThat(check.output).as("check-config prints " + name).anyMatch(line -> line.startsWith("  " + name + "="));
                }
            }
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
                    .contains("  STATE_DB_POOL_SIZE=16", "  STATE_DB_SCHEMA=")
                    .contains("All is well.")
                    .contains("(Not checked, since only a real call can tell: the external systems' paths, and static credentials.)");
        }
    }

    /** A database password written into STATE_DB_URL, in either form a JDBC URL allows, is never printed. */
    @Test
    void checkConfigMasksAPasswordWrittenIntoTheStateDatabaseUrl() throws Exception {
        String base = PostgresDatabase.URL.replaceAll("\\?.*", "");
        for (String url : List.of(base + "?user=postgres&password=UrlDbPw55", base.replace("://", "://postgres:UiDbPw66@"))) {
            Map<String, String> env = new HashMap<>(PostgresDatabase.connectorSettings(PostgresDatabase.freshSchema()));
            env.putAll(Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "log", "STATE_DB_URL", url));
            Run check = run(List.of("check-config"), env);

            assertThat(check.text()).as(url).contains("STATE_DB_URL=jdbc:postgresql://")
                    .doesNotContain("UrlDbPw55").doesNotContain("UiDbPw66").contains("****");
        }
    }

    @Test
    void checkConfigDoesNotClaimToHaveVerifiedAStaticToken() throws Exception {
        try (ServerSocket hlr = new ServerSocket(0)) {
            Run check = run(List.of("check-config"), Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss",
                    "HLR_API_URL", "http://127.0.0.1:" + hlr.getLocalPort() + "/wtl/hlr/v1", "HLR_AUTH", "bearer",
                    "HLR_TOKEN", "hlr-token-that-only-the-hlr-can-judge"));

            assertThat(check.exit).as(check.text()).isZero();
            assertThat(check.output).as(check.text())
                    .contains("OK    handler hlr-hss: credentials: bearer: configured, not verified"
                            + " (the external system checks it at the first event's call)")
                    .noneMatch(line -> line.contains("obtained"));
        }
    }

    @Test
    void checkConfigSpellsTheJwtAlgorithmAsTheDocsDoAndRequiresIssuerAndAudience() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.nio.file.Path key = java.nio.file.Files.createTempFile("check-config-jwt-", ".pem");
        try {
            java.nio.file.Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                    .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
            Map<String, String> env = new HashMap<>(Map.of("API_TOKEN", RunningConnector.TOKEN, "HANDLERS", "hlr-hss",
                    "HLR_API_URL", "http://127.0.0.1:9/wtl/hlr/v1", "HLR_AUTH", "jwt", "HLR_JWT_PRIVATE_KEY", key.toString()));
            Run withoutIssuer = run(List.of("check-config"), env);
            env.putAll(Map.of("HLR_JWT_ISSUER", "nsps-connector", "HLR_JWT_AUDIENCE", "https://hlr.example/token"));
            Run complete = run(List.of("check-config"), env);
            env.put("HLR_JWT_ALG", "HS256");
            Run unknownAlgorithm = run(List.of("check-config"), env);

            assertThat(withoutIssuer.text()).contains("HLR_JWT_ISSUER is required", "HLR_JWT_AUDIENCE is required");
            assertThat(complete.output).as(complete.text()).contains("  HLR_JWT_ALG=RS256")
                    .anyMatch(line -> line.startsWith("OK    handler hlr-hss: credentials: jwt: obtained (Bearer"));
            assertThat(unknownAlgorithm.text()).contains("HLR_JWT_ALG: 'HS256' is not one of RS256, ES256");
        } finally {
            java.nio.file.Files.delete(key);
        }
    }

    @Test
    void checkConfigListsEveryConfigurationProblemAsServeWould() throws Exception {
        Run check = run(List.of("check-config"), Map.of("HANDLERS", "hlr-hss,nope"));

        assertThat(check.exit).isEqualTo(2);
        assertThat(check.text()).contains("API_TOKEN is required", "HLR_API_URL is required", "unknown handler 'nope'");
    }

    @Test
    void aTokenTooShortIsReportedOnceAsSuch() throws Exception {
        Run check = run(List.of("check-config"), Map.of("API_TOKEN", "short", "HANDLERS", "log"));

        assertThat(check.exit).isEqualTo(2);
        assertThat(check.text()).contains("API_TOKEN: a token must have at least 16 characters", "1 problem:")
                .doesNotContain("API_TOKEN is required");
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
