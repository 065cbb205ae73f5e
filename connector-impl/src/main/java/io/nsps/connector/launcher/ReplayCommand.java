package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code nsps-connector replay}: stored events run again by a running instance, through the same
 * processor as live traffic: "already processed" is bypassed (the operator's explicit action),
 * per-subscriber order holds (an event older than its subscriber's last applied one is reported
 * stale and not applied, unless {@code --force}); each gets a journal entry marked as a replay.
 * Exit 0 when every event asked for ran and ended processed (or, with {@code --dry-run}, would run);
 * 1 otherwise; 2 for a usage error.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run stored events again on a running connector (over its management port): the given ids, or --failed [--since]. "
                + "Prints each event's new outcome.")
final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "EVENT_ID", description = "The events to replay.")
    private List<String> eventIds = List.of();

    @Option(names = "--failed", description = "The events whose latest delivery did not succeed (with --since: within that window); "
            + "not with EVENT_IDs.")
    private boolean failed;

    @Option(names = "--since", paramLabel = "DURATION", description = "With --failed: whose latest delivery finished within this long (2h, 1d).")
    private String since;

    @Option(names = "--dry-run", description = "Say what would be replayed, and whether it would be refused as stale; run nothing.")
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
        if (!eventIds.isEmpty() && failed) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give EVENT_IDs or --failed, not both");
        }
        if (eventIds.isEmpty() && !failed) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give EVENT_IDs, or --failed [--since DURATION]");
        }
        if (since != null && !failed) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since goes with --failed");
        }
        ManagementClient client;
        try {
            client = ManagementClient.of(url, token, main.env());
        } catch (IllegalArgumentException | IOException e) {
            err.println("nsps-connector replay: " + e.getMessage());
            return Main.CONFIGURATION_ERROR;
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode request = mapper.createObjectNode().put("dry_run", dryRun).put("force", force);
        if (failed) {
            request.put("failed", true);
            if (since != null) {
                request.put("since", since);
            }
        } else {
            eventIds.forEach(request.putArray("event_ids")::add);
        }
        HttpResponse<String> answer;
        try {
            answer = client.post("/replay", mapper.writeValueAsString(request));
        } catch (IOException e) {
            err.println("nsps-connector replay: no answer from " + client.base() + ": " + ManagementClient.whyNoAnswer(e));
            return Main.START_FAILURE;
        }
        if (answer.statusCode() != 200) {
            err.println("nsps-connector replay: " + ManagementClient.describeRefusal(answer));
            return Main.START_FAILURE;
        }
        Tally tally = new Tally();
        for (JsonNode result : mapper.readTree(answer.body())) {
            out.println(result.path("event_id").asText() + ": " + tally.count(result) + ": " + result.path("message").asText());
        }
        out.println(tally.summary(dryRun));
        return tally.allDone() ? 0 : 1;
    }

    /** The results counted by what became of them. */
    private final class Tally {
        int replayed;
        int processed;
        int stale;
        int notFound;
        int notReplayed;

        /** Counts one result; returns its short word for the line. */
        String count(JsonNode result) {
            if (!result.path("found").asBoolean(true)) {
                notFound++;
                return "not found";
            }
            if (dryRun) {
                if (result.has("stale") && result.path("stale").asBoolean()) {
                    stale++;
                    return "dry run";
                }
                if (result.has("stale")) {
                    replayed++;
                    return "dry run";
                }
                notReplayed++;
                return "cannot be replayed";
            }
            if (!result.path("replayed").asBoolean()) {
                notReplayed++;
                return "not replayed";
            }
            replayed++;
            String outcome = result.path("outcome").asText();
            if (result.path("status").asInt() < 300 && !"stale".equals(outcome)) {
                processed++;
            }
            return outcome + " " + result.path("status").asInt();
        }

        String summary(boolean wouldBe) {
            List<String> parts = new ArrayList<>();
            parts.add(replayed + (replayed == 1 ? " event" : " events") + (wouldBe ? " would be replayed" : " replayed"));
            if (stale > 0) {
                parts.add(stale + " would be refused as stale");
            }
            if (notFound > 0) {
                parts.add(notFound + " not found");
            }
            if (notReplayed > 0) {
                parts.add(notReplayed + (wouldBe ? " cannot be replayed" : " not replayed"));
            }
            return String.join(", ", parts);
        }

        /** Everything asked for ran and ended processed (or would run); nothing missing. */
        boolean allDone() {
            return notFound == 0 && notReplayed == 0 && stale == 0 && (dryRun || processed == replayed);
        }
    }
}
