package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import io.nsps.connector.spi.ConfigValues;
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
 * processor as live traffic: "already processed" is bypassed for an event asked for by id (the
 * operator's explicit action), per-subscriber order holds (an event older than its subscriber's
 * last applied one is reported stale and not applied, unless {@code --force}); each gets a journal
 * entry marked as a replay. {@code --failed} selects only what a replay can help (the server's rule:
 * {@code Operations#replay}), runs them oldest first, and does not run again one a delivery of NSPS
 * has processed since. Exit 0 when every event asked for ended applied, ignored or already processed
 * (or, with {@code --dry-run}, would run), and with {@code --failed} stale too (a newer event of its
 * subscriber was applied since it failed: NSPS would have been answered 202 for it as well); 1 when
 * one ended failed, not replayed or not found, or stale when asked for by id, or no answer came; 2 for
 * a usage error.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Run stored events again on a running connector (over its management port): the given ids, or --failed [--since]. "
                + "Prints each event's new outcome, then a count of each: applied, ignored, stale (not applied), failed, "
                + "not replayed (no body kept), not found.",
                "",
                "--failed selects the events whose latest delivery failed in a way NSPS itself retries (5xx, 429, deferred) "
                + "and whose body is still kept (JOURNAL_BODY_RETENTION), and runs them oldest first. Not selected: events refused for good (4xx: "
                + "against the schema, refused by the external system): they fail again as sent; events refused before "
                + "they were stored, or with no event id. 'journal --failed' lists them all."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every event applied, ignored or already processed (with --dry-run: would run); none selected; "
                + "with --failed, stale too (a newer event of its subscriber was applied since)",
                "1:one failed, not replayed or not found, or stale when asked for by id; or no answer from the connector",
                "2:usage error (options, or no management token)"})
final class ReplayCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "EVENT_ID", description = "The events to replay.")
    private List<String> eventIds = List.of();

    @Option(names = "--failed", description = "The events whose latest delivery failed and that a replay can help (see above; "
            + "with --since: within that window); not with EVENT_IDs.")
    private boolean failedOnly;

    @Option(names = "--since", paramLabel = "DURATION", converter = OptionTypes.Since.class,
            description = "With --failed: whose latest delivery finished within this long (2h, 1d).")
    private Duration since;

    @Option(names = "--dry-run", description = "Say what would be replayed, and whether it would be refused as stale; run nothing.")
    private boolean dryRun;

    @Option(names = "--force", description = "Apply an event even when it is older than its subscriber's last applied event.")
    private boolean force;

    @Option(names = "--url", paramLabel = "URL", converter = OptionTypes.HttpUrl.class,
            description = "An http:// or https:// URL of the management port.%nDefault: http://127.0.0.1:$MANAGEMENT_PORT%n(MANAGEMENT_PORT: 8081 unless set).")
    private URI url;

    @Option(names = "--token", description = "The management token. Default: MANAGEMENT_TOKEN (or MANAGEMENT_TOKEN_FILE).")
    private String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        if (!eventIds.isEmpty() && failedOnly) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give EVENT_IDs or --failed, not both");
        }
        if (eventIds.isEmpty() && !failedOnly) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give EVENT_IDs, or --failed [--since DURATION]");
        }
        if (since != null && !failedOnly) {
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
        if (failedOnly) {
            request.put("failed", true);
            if (since != null) {
                request.put("since", ConfigValues.formatDuration(since));
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
        JsonNode results = mapper.readTree(answer.body());
        if (failedOnly && results.isEmpty()) {
            out.println("No event" + (since == null ? "" : " in the last " + ConfigValues.formatDuration(since))
                    + " failed in a way a replay can help, with its body still kept (journal --failed lists every failure; see --help)");
        }
        for (JsonNode result : results) {
            out.println(result.path("event_id").asText() + ": " + tally.count(result) + ": " + result.path("message").asText());
        }
        out.println(tally.summary());
        return tally.allDone() ? 0 : 1;
    }

    /** The results counted by what became of them, one count per line's word. */
    private final class Tally {
        /** Replayed and provisioned (or, dry, would run). */
        int applied;
        /** Replayed and done with nothing to provision: no handler takes its type, or each said why not. */
        int ignored;
        /** Selected as failed, then processed by a delivery of NSPS before the replay could run it. */
        int alreadyProcessed;
        /** Older than its subscriber's last applied event: not applied (or, dry, would be refused so). */
        int stale;
        /** Replayed and failed again (or deferred): not provisioned. */
        int failed;
        /** Found, but not run: no body kept, or the stored body does not parse any more. */
        int notReplayed;
        int notFound;

        /** Counts one result; returns its short word for the line. */
        String count(JsonNode result) {
            if (!result.path("found").asBoolean(true)) {
                notFound++;
                return "not found";
            }
            if (dryRun) {
                if (!result.has("stale")) {
                    notReplayed++;
                    return "cannot be replayed";
                }
                if (result.path("stale").asBoolean()) {
                    stale++;
                } else {
                    applied++;
                }
                return "dry run";
            }
            if (!result.path("replayed").asBoolean()) {
                notReplayed++;
                return "not replayed";
            }
            String outcome = result.path("outcome").asText();
            int status = result.path("status").asInt();
            if (status >= 300) {
                failed++;
            } else if (outcome.equals("stale")) {
                stale++;
            } else if (outcome.equals("processed")) {
                applied++;
            } else if (outcome.equals("duplicate")) {
                alreadyProcessed++;
            } else {
                ignored++;
            }
            return outcome + " " + status;
        }

        String summary() {
            List<String> parts = new ArrayList<>();
            if (dryRun) {
                parts.add(applied + (applied == 1 ? " event" : " events") + " would be replayed");
                add(parts, stale, " would be refused as stale");
                add(parts, notReplayed, " cannot be replayed");
            } else {
                parts.add(applied + " applied");
                add(parts, ignored, " ignored (nothing to provision)");
                add(parts, alreadyProcessed, " already processed (by a delivery since it was selected)");
                add(parts, stale, " stale (not applied)");
                add(parts, failed, " failed");
                add(parts, notReplayed, " not replayed");
            }
            add(parts, notFound, " not found");
            return String.join(", ", parts);
        }

        private static void add(List<String> parts, int count, String what) {
            if (count > 0) {
                parts.add(count + what);
            }
        }

        /**
         * Every event asked for ended applied, ignored or already processed (or, dry, would run); none
         * failed, not replayed or missing, and none stale that was asked for by id. One that {@code
         * --failed} selected and finds stale is done: a newer event of its subscriber was applied
         * since it failed, which is what NSPS's own retry of it would have found too (and been
         * answered 202 for).
         */
        boolean allDone() {
            return (failedOnly || stale == 0) && failed == 0 && notReplayed == 0 && notFound == 0;
        }
    }
}
