package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nsps.connector.config.ConnectorConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nsps-connector send}: posts one event to a running connector, as NSPS does, and prints
 * the answer: the operator's {@code curl} without quoting JSON. The event is a shipped sample by
 * name ({@code sim-updated}, the default), a file, or standard input ({@code -}).
 */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Post an event (a shipped sample by name, a file, or - for standard input) to a running connector; "
                + "print the status and the body. Exit 0 on a 2xx, 1 otherwise.")
final class SendCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Parameters(index = "0", arity = "0..1", paramLabel = "EVENT",
            description = "A sample's name (sim-updated, sim-created, sim-deleted, sim-replaced, ...), a JSON file, or -. Default: sim-updated.")
    private String event = "sim-updated";

    @Option(names = "--url", paramLabel = "URL", converter = OptionTypes.HttpUrl.class,
            description = "An http:// or https:// URL of the events path.%nDefault: http://127.0.0.1:$PORT$EVENTS_PATH%n(PORT: 8080, EVENTS_PATH: /process-event unless set).")
    private URI url;

    @Option(names = "--token", description = "The Bearer token. Default: the first of API_TOKEN (or API_TOKEN_FILE).")
    private String token;

    @Option(names = "--type", description = "Send it with this data.event_type instead.")
    private String type;

    @Option(names = "--new-id", description = "Send it with a new event_id, so that it is not answered \"already processed\".")
    private boolean newId;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        String body;
        try {
            body = body();
        } catch (IOException | IllegalArgumentException e) {
            err.println("nsps-connector send: " + e.getMessage());
            return Main.CONFIGURATION_ERROR;
        }
        String bearer = token != null ? token : defaultToken(main.env());
        if (bearer == null) {
            err.println("nsps-connector send: no token: give --token, or set API_TOKEN");
            return Main.CONFIGURATION_ERROR;
        }
        URI target;
        try {
            target = url != null ? url : OptionTypes.HttpUrl.parse("http://127.0.0.1:" + main.env().getOrDefault("PORT", "8080")
                    + main.env().getOrDefault("EVENTS_PATH", ConnectorConfigLoader.DOCUMENTED_EVENTS_PATH));
        } catch (IllegalArgumentException e) {
            err.println("nsps-connector send: PORT and EVENTS_PATH make no URL: " + e.getMessage());
            return Main.CONFIGURATION_ERROR;
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> answer;
        try {
            answer = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println("nsps-connector send: no answer from " + target + ": " + ManagementClient.whyNoAnswer(e));
            return Main.START_FAILURE;
        }
        out.println(answer.statusCode());
        out.println(answer.body());
        return answer.statusCode() >= 200 && answer.statusCode() < 300 ? 0 : 1;
    }

    private String body() throws IOException {
        String json;
        if ("-".equals(event)) {
            json = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } else if (Files.isRegularFile(Path.of(event))) {
            json = Files.readString(Path.of(event), StandardCharsets.UTF_8);
        } else {
            String resource = "examples/events/" + (event.endsWith(".json") ? event : event + ".json");
            try (InputStream in = SendCommand.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("'" + event + "' is neither a file nor a sample (sim-updated, sim-created, sim-deleted, "
                            + "sim-replaced, sim-updated-blocked, minimal-valid, ...)");
                }
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        if (type == null && !newId) {
            return json;
        }
        ObjectMapper mapper = new ObjectMapper();
        if (!(mapper.readTree(json) instanceof ObjectNode tree)) {
            throw new IllegalArgumentException("--type and --new-id need a JSON object");
        }
        if (newId) {
            tree.put("event_id", UUID.randomUUID().toString());
        }
        if (type != null) {
            (tree.path("data") instanceof ObjectNode data ? data : tree.putObject("data")).put("event_type", type);
        }
        return mapper.writeValueAsString(tree);
    }

    private static String defaultToken(Map<String, String> env) throws IOException {
        String tokens = env.get("API_TOKEN");
        if ((tokens == null || tokens.isBlank()) && env.get("API_TOKEN_FILE") != null) {
            tokens = Files.readString(Path.of(env.get("API_TOKEN_FILE"))).strip();
        }
        if (tokens == null || tokens.isBlank()) {
            return null;
        }
        return tokens.split(",")[0].trim();
    }
}
