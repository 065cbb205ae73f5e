package io.nsps.connector.archetype;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.nsps.connector.spi.testing.SampleEvents;
import io.nsps.connector.testing.ConnectorProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vendor's guide (docs/handlers.md), run as a vendor runs it: its commands as written, against
 * the connector's artifacts that maven-invoker-plugin installed before this test, offline. The
 * archetype's project is generated, built with its own tests, and its handler folder dropped into a
 * handlers folder of a connector process, which is sent an event of each of its two types; the
 * hand-written project is built from the guide's pom and class against the SPI alone, and run the
 * same way. The fake CRMs are real HTTP servers that demand the token the guide configures.
 *
 * <p>What differs from a vendor's run, and why: the one-time {@code mvn install} of the connector is
 * done by maven-invoker-plugin before this test; {@code /path/to/nsps-connector} is a temporary
 * connector folder; Maven runs with {@code -o} (everything from the local repository); the last
 * command's settings start a connector process of this test's classpath, with that folder as its
 * home, instead of the repository's launcher (which would build the whole repository again); the
 * CRM's URL is the fake's and the {@code ...} of secrets are tokens. {@code mkdir} and {@code cp}
 * run as written, through {@code sh}.
 */
final class HandlerGuideIT {

    private static final Path REPOSITORY = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final Path GUIDE = REPOSITORY.resolve("docs/handlers.md");
    private static final String CRM_TOKEN = "crm-token-4c1f9a7e0b2d";
    private static final String API_TOKEN = "guide-token-" + Long.toHexString(System.nanoTime()) + "-0123456789";

    @TempDir
    Path work;
    private final List<ConnectorProcess> connectors = new ArrayList<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        connectors.forEach(ConnectorProcess::close);
        servers.forEach(server -> server.stop(0));
    }

    @Test
    void theArchetypeCommandsGiveATestedHandlerThatTheConnectorRuns() throws Exception {
        List<String> commands = commands("<!-- guide: archetype");
        FakeSystem crm = fakeSystem();
        Path connectorHome = Files.createDirectories(work.resolve("nsps-connector"));
        Path cwd = Files.createDirectories(work.resolve("vendor"));
        long started = System.nanoTime();
        Map<String, Long> took = new LinkedHashMap<>();
        ConnectorProcess connector = null;

        for (String command : commands) {
            long commandStarted = System.nanoTime();
            if (command.startsWith("(cd /path/to/nsps-connector && mvn -q install")) {
                continue; // done by maven-invoker-plugin:install before this test
            } else if (command.startsWith("mvn ")) {
                mvn(cwd, command);
            } else if (command.startsWith("cd ")) {
                cwd = cwd.resolve(command.substring(3).trim());
            } else if (command.startsWith("mkdir ") || command.startsWith("cp ") || command.startsWith("rm -rf /path/to/nsps-connector/handlers/")) {
                sh(cwd, command.replace("/path/to/nsps-connector", connectorHome.toString()));
            } else if (command.startsWith("HANDLERS=")) {
                connector = startConnector(command, connectorHome, crm);
            } else {
                throw new AssertionError("a command of the guide this test does not know: " + command);
            }
            took.put(command.split("\\s+")[0] + (command.contains(":generate") ? " generate" : ""), (System.nanoTime() - commandStarted) / 1_000_000);
        }
        long vendorMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("HandlerGuideIT: the archetype's commands (" + commands.size() + ") from an empty folder to a green build and a"
                + " running connector took " + vendorMillis + " ms: " + took);

        assertThat(connector).as("the guide starts the connector").isNotNull();
        HttpResponse<String> updated = post(connector, SampleEvents.json("sim-updated"));
        HttpResponse<String> deleted = post(connector, SampleEvents.json("sim-deleted"));

        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(202);
        assertThat(updated.body()).contains("CRM line 255010000020349 is active");
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
        assertThat(crm.received).containsExactly(
                "PUT /api/v1/lines/255010000020349 Bearer " + CRM_TOKEN
                        + " {\"account\":\"380501234567@msisdn\",\"msisdn\":\"380501234567\",\"status\":\"active\"}",
                "DELETE /api/v1/lines/255010000020350 Bearer " + CRM_TOKEN + " ");
        assertThat(connector.output()).anySatisfy(line -> assertThat(line).contains("Handlers folder").contains("crm-handler/ ("));
        assertThat(Files.readString(work.resolve("vendor/crm-handler/README.md"))).as("the generated README's headings")
                .contains("\n## What is where\n").contains("\n## Your own system instead of the example\n");
    }

    @Test
    void theHandWrittenGuideBuildsAgainstTheSpiAloneAndTheConnectorRunsIt() throws Exception {
        String guide = Files.readString(GUIDE);
        Path vendor = Files.createDirectories(work.resolve("vendor"));
        for (String file : List.of("crm-blocker/pom.xml", "crm-blocker/src/main/java/com/vendor/crm/CrmBlockerFactory.java",
                "crm-blocker/src/main/resources/META-INF/services/io.nsps.connector.spi.HandlerFactory")) {
            Path target = vendor.resolve(file);
            Files.createDirectories(target.getParent());
            Files.writeString(target, block(guide, "`" + file + "`:", "```"));
        }
        FakeSystem crm = fakeSystem();
        Path connectorHome = Files.createDirectories(work.resolve("nsps-connector"));
        Path cwd = work.resolve("vendor");
        ConnectorProcess connector = null;

        for (String command : commands("<!-- guide: by hand, commands")) {
            if (command.startsWith("(cd /path/to/nsps-connector && mvn -q install")) {
                continue;
            } else if (command.startsWith("cd ")) {
                cwd = cwd.resolve(command.substring(3).trim());
            } else if (command.startsWith("mvn ")) {
                mvn(cwd, command);
            } else if (command.startsWith("mkdir ") || command.startsWith("cp ") || command.startsWith("rm -rf /path/to/nsps-connector/handlers/")) {
                sh(cwd, command.replace("/path/to/nsps-connector", connectorHome.toString()));
            } else if (command.startsWith("HANDLERS=")) {
                connector = startConnector(command, connectorHome, crm);
            } else {
                throw new AssertionError("a command of the guide this test does not know: " + command);
            }
        }

        assertThat(connector).isNotNull();
        HttpResponse<String> blocked = post(connector,
                "{\"event_id\":\"guide-1\",\"data\":{\"event_type\":\"Account/Blocked\"},\"pb_data\":{\"account_info\":{\"i_account\":277147,\"blocked\":true}}}");
        assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(202);
        assertThat(blocked.body()).contains("CRM customer 277147 updated");
        assertThat(crm.received).containsExactly("PUT /customers/277147 Bearer " + CRM_TOKEN + " {\"blocked\":true}");
    }

    /** The command lines of the guide's ```sh block after {@code marker}, without their comments. */
    private static List<String> commands(String marker) throws IOException {
        String block = block(Files.readString(GUIDE), marker, "```sh");
        List<String> commands = new ArrayList<>();
        for (String line : block.split("\n")) {
            String command = line.replaceAll("\\s+#.*$", "").trim();
            if (!command.isEmpty()) {
                commands.add(command);
            }
        }
        assertThat(commands).as("the guide's commands after %s", marker).isNotEmpty();
        return commands;
    }

    /** The content of the first fenced block opening with {@code fence} (``` and a language, or none) after {@code marker}. */
    private static String block(String text, String marker, String fence) {
        int at = text.indexOf(marker);
        assertThat(at).as("docs/handlers.md has %s", marker).isNotNegative();
        int open = text.indexOf(fence, at);
        int start = text.indexOf('\n', open) + 1;
        return text.substring(start, text.indexOf("\n```", start) + 1);
    }

    /**
     * Runs one of the guide's Maven commands in batch mode, and fails with its output if it fails. Not offline: a
     * fresh machine's local repository may lack a plugin the generated project uses, as a vendor's would.
     */
    private static void mvn(Path cwd, String command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        args.add(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString());
        args.add("-B");
        for (String arg : command.substring("mvn ".length()).trim().split("\\s+")) {
            if (!arg.equals("-B")) {
                args.add(arg);
            }
        }
        Path log = Files.createTempFile(cwd.getParent() != null ? cwd.getParent() : cwd, "mvn-", ".log");
        Process process = new ProcessBuilder(args).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("%s finishes", command).isTrue();
        assertThat(process.exitValue()).as("%s in %s:%n%s", command, cwd, tail(log)).isZero();
    }

    /** A shell command of the guide, as written. */
    private static void sh(Path cwd, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("%s:%n%s", command, output).isZero();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** The guide's run command: its settings, with the placeholders' real values, for a connector process. */
    private ConnectorProcess startConnector(String command, Path connectorHome, FakeSystem crm) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher setting = Pattern.compile("([A-Z_]+)=(\\S+)").matcher(command);
        while (setting.find()) {
            env.put(setting.group(1), setting.group(2));
        }
        env.replaceAll((name, value) -> {
            if (name.endsWith("_URL")) {
                return crm.url + URI.create(value).getPath();
            }
            if (value.equals("...")) {
                return name.equals("API_TOKEN") ? API_TOKEN : CRM_TOKEN;
            }
            return value;
        });
        // What the launcher sets: the connector's folder, whose handlers folder is the default one
        // (written out, since ConnectorProcess gives test processes another).
        env.put("NSPS_CONNECTOR_HOME", connectorHome.toString());
        env.put("HANDLERS_DIR", "handlers");
        ConnectorProcess connector = ConnectorProcess.start("serve", env);
        connectors.add(connector);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> health(connector) == 200);
        return connector;
    }

    private HttpResponse<String> post(ConnectorProcess connector, String event) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.port() + "/process-event"))
                .header("Authorization", "Bearer " + API_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int health(ConnectorProcess connector) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.port() + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** An external system that demands {@link #CRM_TOKEN} and records "METHOD path authorization body". */
    private record FakeSystem(String url, List<String> received) {
    }

    private FakeSystem fakeSystem() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> received = new CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + authorization + " " + body);
            if (!("Bearer " + CRM_TOKEN).equals(authorization)) {
                exchange.sendResponseHeaders(401, -1);
            } else if (exchange.getRequestMethod().equals("PUT")) {
                byte[] answer = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.start();
        servers.add(server);
        return new FakeSystem("http://127.0.0.1:" + server.getAddress().getPort(), received);
    }
}
