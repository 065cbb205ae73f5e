package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nsps-connector replay}: stored events run again by a running instance, through the same
 * processor as live traffic: "already processed" is bypassed (the operator's explicit action),
 * per-subscriber order holds (an event older than its subscriber's last applied one is reported
 * stale and not applied, unless {@code --force}); each gets a journal entry marked as a replay.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run stored events again on a running connector (over its management port): the given ids, or --failed --since. "
                + "Prints each event's new outcome.")
final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Parameters(arity = "0..*", paramLabel = "EVENT_ID", description = "The events to replay.")
    private List<String> eventIds = List.of();

    @Option(names = "--failed", description = "The events whose last delivery failed (with --since: within that window).")
    private boolean failed;

    @Option(names = "--since", paramLabel = "DURATION", description = "With --failed: failed within this long (2h, 1d).")
    private String since;

    @Option(names = "--dry-run", description = "Say what would be replayed; run nothing.")
    private boolean dryRun;

    @Option(names = "--force", description = "Apply an event even when it is older than its subscriber's last applied event.")
    private boolean force;

    @Option(names = "--url", description = "The management port's URL. Default: http://127.0.0.1:$MANAGEMENT_PORT (8081).")
    private String url;

    @Option(names = "--token", description = "The management token. Default: MANAGEMENT_TOKEN (or MANAGEMENT_TOKEN_FILE).")
    private String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        if (eventIds.isEmpty() && !failed) {
            err.println("nsps-connector replay: give event ids, or --failed [--since DURATION]");
            return Main.CONFIGURATION_ERROR;
        }
        ManagementClient client;
        try {
            client = ManagementClient.of(url, token, main.env());
        } catch (IllegalArgumentException | IOException e) {
            err.println("nsps-connector replay: " + e.getMessage());
            return Main.CONFIGURATION_ERROR;
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode request = mapper.createObjectNode().put("failed", failed).put("dry_run", dryRun).put("force", force);
        eventIds.forEach(request.putArray("event_ids")::add);
        if (since != null) {
            request.put("since", since);
        }
        HttpResponse<String> answer;
        try {
            answer = client.post("/replay", mapper.writeValueAsString(request));
        } catch (IOException e) {
            err.println("nsps-connector replay: no answer from " + client.base() + ": " + e.getMessage());
            return Main.START_FAILURE;
        }
        if (answer.statusCode() != 200) {
            err.println("nsps-connector replay: " + answer.statusCode() + " " + answer.body());
            return Main.START_FAILURE;
        }
        JsonNode results = mapper.readTree(answer.body());
        boolean allDone = true;
        for (JsonNode result : results) {
            String outcome = result.path("replayed").asBoolean() ? result.path("outcome").asText() + " " + result.path("status").asInt()
                    : dryRun ? "dry run" : "not replayed";
            out.println(result.path("event_id").asText() + ": " + outcome + ": " + result.path("message").asText());
            allDone &= dryRun || result.path("replayed").asBoolean() && result.path("status").asInt() < 300
                    && !"stale".equals(result.path("outcome").asText());
        }
        out.println(results.size() + (results.size() == 1 ? " event" : " events") + (dryRun ? " would be replayed" : " replayed"));
        return allDone ? 0 : 1;
    }
}
