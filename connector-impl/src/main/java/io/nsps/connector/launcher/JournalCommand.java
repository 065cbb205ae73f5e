package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nsps-connector journal}: the deliveries a running instance journaled, the newest first: a
 * table for people, JSON lines ({@code --json}) for tools.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
        description = "Print the journal of deliveries of a running connector (over its management port), the newest first.")
final class JournalCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Option(names = "--failed", description = "Only deliveries that did not end done (failed or deferred).")
    private boolean failed;

    @Option(names = "--subscriber", paramLabel = "S", description = "Only this subscriber's (imsi:... or i_account:...).")
    private String subscriber;

    @Option(names = "--event-id", paramLabel = "ID", description = "Only this event's.")
    private String eventId;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only those finished within this long (2h, 30m, 7d).")
    private String since;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many (default ${DEFAULT-VALUE}, at most 1000).")
    private int limit;

    @Option(names = "--json", description = "One JSON object per line.")
    private boolean json;

    @Option(names = "--url", description = "The management port's URL. Default: http://127.0.0.1:$MANAGEMENT_PORT (8081).")
    private String url;

    @Option(names = "--token", description = "The management token. Default: MANAGEMENT_TOKEN (or MANAGEMENT_TOKEN_FILE).")
    private String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        ManagementClient client;
        try {
            client = ManagementClient.of(url, token, main.env());
        } catch (IllegalArgumentException | IOException e) {
            err.println("nsps-connector journal: " + e.getMessage());
            return Main.CONFIGURATION_ERROR;
        }
        List<String> query = new ArrayList<>();
        if (failed) {
            query.add("failed=true");
        }
        add(query, "subscriber", subscriber);
        add(query, "event_id", eventId);
        add(query, "since", since);
        query.add("limit=" + limit);
        HttpResponse<String> answer;
        try {
            answer = client.get("/journal?" + String.join("&", query));
        } catch (IOException e) {
            err.println("nsps-connector journal: no answer from " + client.base() + ": " + e.getMessage());
            return Main.START_FAILURE;
        }
        if (answer.statusCode() != 200) {
            err.println("nsps-connector journal: " + answer.statusCode() + " " + answer.body());
            return Main.START_FAILURE;
        }
        JsonNode entries = new ObjectMapper().readTree(answer.body());
        if (json) {
            entries.forEach(entry -> out.println(entry.toString()));
            return 0;
        }
        out.printf("%-24s %-38s %-16s %-24s %-32s %6s %5s %s%n", "FINISHED", "EVENT", "TYPE", "SUBSCRIBER", "OUTCOME", "STATUS", "CALLS",
                "MESSAGE");
        for (JsonNode entry : entries) {
            out.printf("%-24s %-38s %-16s %-24s %-32s %6d %5d %s%n", entry.path("finished_at").asText(), entry.path("event_id").asText(),
                    entry.path("event_type").asText(), entry.path("subscriber").asText("-"),
                    outcome(entry), entry.path("status").asInt(),
                    entry.path("upstream_calls").size(), entry.path("message").asText());
        }
        out.println(entries.size() + (entries.size() == 1 ? " entry" : " entries"));
        return 0;
    }

    /** processed, failed (upstream_failed), in_flight ..., and "(replay)" after one. */
    private static String outcome(JsonNode entry) {
        String why = entry.has("failure") ? entry.path("failure").asText() : entry.path("reason").asText("");
        String outcome = entry.path("outcome").asText();
        return outcome + (why.isEmpty() || why.equals(outcome) ? "" : " (" + why + ")") + (entry.path("replay").asBoolean() ? " (replay)" : "");
    }

    private static void add(List<String> query, String name, String value) {
        if (value != null) {
            query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}
