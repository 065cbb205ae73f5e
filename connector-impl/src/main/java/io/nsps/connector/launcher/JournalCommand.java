package io.nsps.connector.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.state.Journal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nsps-connector journal}: the deliveries a running instance journaled, the newest first: a
 * table for people, JSON lines ({@code --json}) for tools.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
        description = "Print the journal of deliveries of a running connector (over its management port), the newest first.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the entries printed (none, too, when none matches)", "1:the connector refused the query, or no answer came",
                "2:usage error (options, or no management token)"})
final class JournalCommand implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Option(names = "--failed", description = "Only the events whose latest delivery did not succeed (failed or deferred), by that delivery.")
    private boolean failed;

    @Option(names = "--subscriber", paramLabel = "S", converter = OptionTypes.Subscriber.class,
            description = "Only this subscriber's, named as the SUBSCRIBER column shows it: imsi:IMSI or account:I_ACCOUNT "
                    + "(a SIM's replacement by another is one of its entries too).")
    private String subscriber;

    @Option(names = "--event-id", paramLabel = "ID", description = "Only this event's.")
    private String eventId;

    @Option(names = "--since", paramLabel = "DURATION", converter = OptionTypes.Since.class,
            description = "Only those finished within this long (2h, 30m, 7d).")
    private Duration since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "" + Journal.DEFAULT_LIMIT, converter = OptionTypes.Limit.class,
            description = "At most this many (default ${DEFAULT-VALUE}, at most " + Journal.MAX_LIMIT + ").")
    private int limit;

    @Option(names = "--json", description = "One JSON object per line.")
    private boolean json;

    @Option(names = "--url", paramLabel = "URL", converter = OptionTypes.HttpUrl.class,
            description = "An http:// or https:// URL of the management port.%nDefault: http://127.0.0.1:$MANAGEMENT_PORT%n(MANAGEMENT_PORT: 8081 unless set).")
    private URI url;

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
        add(query, "since", since == null ? null : ConfigValues.formatDuration(since));
        query.add("limit=" + limit);
        HttpResponse<String> answer;
        try {
            answer = client.get("/journal?" + String.join("&", query));
        } catch (IOException e) {
            err.println("nsps-connector journal: no answer from " + client.base() + ": " + ManagementClient.whyNoAnswer(e));
            return Main.START_FAILURE;
        }
        if (answer.statusCode() != 200) {
            err.println("nsps-connector journal: " + ManagementClient.describeRefusal(answer));
            return Main.START_FAILURE;
        }
        JsonNode entries = new ObjectMapper().readTree(answer.body());
        if (json) {
            entries.forEach(entry -> out.println(entry.toString()));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"FINISHED (UTC)", "EVENT", "TYPE", "SUBSCRIBER", "OUTCOME", "STATUS", "CALLS", "MESSAGE"});
        for (JsonNode entry : entries) {
            rows.add(new String[] {time(entry.path("finished_at").asText()), orDash(entry.path("event_id").asText()),
                    orDash(entry.path("event_type").asText()), subscriber(entry), outcome(entry),
                    Integer.toString(entry.path("status").asInt()), Integer.toString(entry.path("upstream_calls").size()),
                    entry.path("message").asText()});
        }
        printAligned(out, rows);
        out.println(entries.size() + (entries.size() == 1 ? " entry" : " entries"));
        return 0;
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    /** STATUS and CALLS, right-aligned. */
    private static final Set<Integer> NUMBERS = Set.of(5, 6);

    /** The subscriber; a replacement's with its previous SIM: {@code imsi:<new> (was imsi:<old>)}. */
    private static String subscriber(JsonNode entry) {
        String subscriber = orDash(entry.path("subscriber").asText());
        JsonNode previous = entry.path("previous_subscriber");
        return previous.isTextual() ? subscriber + " (was " + previous.asText() + ")" : subscriber;
    }

    /** A time to the millisecond in UTC, always as wide. */
    private static String time(String iso) {
        try {
            return TIME.format(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    private static String orDash(String text) {
        return text == null || text.isEmpty() || text.equals("null") ? "-" : text;
    }

    /** Columns as wide as their widest cell, the last one (the message) as it is. */
    private static void printAligned(PrintWriter out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns - 1; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns - 1; i++) {
                String pad = " ".repeat(widths[i] - row[i].length());
                line.append(NUMBERS.contains(i) ? pad + row[i] : row[i] + pad).append("  ");
            }
            out.println(line.append(row[columns - 1]).toString().stripTrailing());
        }
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
