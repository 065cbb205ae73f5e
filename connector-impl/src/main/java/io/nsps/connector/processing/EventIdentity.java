package io.nsps.connector.processing;

import io.nsps.connector.model.Event;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.model.PBData;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who an event is about and when it happened, for per-subscriber ordering.
 *
 * <ul>
 *   <li>Subscriber: {@code imsi:<pb_data.sim_info.imsi>}, else {@code account:<i_account>} (from
 *       {@code pb_data.account_info}, else {@code data.variables}); none when the event names neither.
 *       A replacement's previous SIM ({@code pb_data.prev_sim_info}) is a second subscriber it changes.</li>
 *   <li>Time: {@code updated_at}, else {@code created_at}, else {@code data.variables.event_time};
 *       each ISO-8601 with an offset, or without one ({@code 2025-06-09T17:44:21} or PortaBilling's
 *       {@code 2025-06-09 17:44:21}, read as UTC); none when absent or unreadable.</li>
 * </ul>
 */
public final class EventIdentity {

    /** {@code 2025-06-09 17:44:21}, a fraction of a second allowed. */
    private static final DateTimeFormatter PORTABILLING_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME).toFormatter();

    private EventIdentity() {
    }

    public static Optional<String> subscriber(Event event) {
        PBData pb = event.getPbData();
        if (pb != null && pb.getSimInfo() != null && pb.getSimInfo().getImsi() != null && !pb.getSimInfo().getImsi().isBlank()) {
            return Optional.of(Journal.IMSI_SUBSCRIBER + pb.getSimInfo().getImsi());
        }
        if (pb != null && pb.getAccountInfo() != null && pb.getAccountInfo().getiAccount() != null) {
            return Optional.of(Journal.ACCOUNT_SUBSCRIBER + pb.getAccountInfo().getiAccount());
        }
        if (event.getData().getVariables() instanceof Map<?, ?> variables) {
            Object account = variables.get("i_account");
            if (account instanceof Number || account instanceof String s && !s.isBlank()) {
                return Optional.of(Journal.ACCOUNT_SUBSCRIBER + account);
            }
        }
        return Optional.empty();
    }

    /**
     * The other subscriber an event changes, besides {@link #subscriber}: the previous SIM of a
     * replacement ({@code imsi:<pb_data.prev_sim_info.imsi>}), when it is not the event's subscriber.
     */
    public static Optional<String> previousSubscriber(Event event) {
        PBData pb = event.getPbData();
        if (pb == null || pb.getPrevSimInfo() == null || pb.getPrevSimInfo().getImsi() == null || pb.getPrevSimInfo().getImsi().isBlank()) {
            return Optional.empty();
        }
        String previous = Journal.IMSI_SUBSCRIBER + pb.getPrevSimInfo().getImsi();
        return subscriber(event).filter(previous::equals).isPresent() ? Optional.empty() : Optional.of(previous);
    }

    /**
     * The fingerprint kept with the event's outcome: its {@code data}'s hash (the generated model's:
     * the same in every JVM) and its time.
     */
    public static EventFingerprint fingerprint(Event event, Instant time) {
        return new EventFingerprint(event.getData().hashCode(), time);
    }

    /** An event's time and the field it was read from (its JSON path, for an answer that names it). */
    public record EventTime(Instant instant, String field) {
    }

    /** The event's time: the first readable of {@code updated_at}, {@code created_at}, {@code data.variables.event_time}. */
    public static Optional<EventTime> time(Event event) {
        for (Map.Entry<String, String> field : timeFields(event)) {
            Optional<EventTime> time = read(field.getValue(), field.getKey());
            if (time.isPresent()) {
                return time;
            }
        }
        return Optional.empty();
    }

    /**
     * The time fields the event carries (not blank) that cannot be read as a time, by JSON path:
     * when {@link #time} is empty for an event that has some, NSPS may have changed their format,
     * and its subscriber's events are no longer ordered.
     */
    public static List<String> unreadableTimeFields(Event event) {
        return timeFields(event).stream()
                .filter(field -> !field.getValue().isBlank() && read(field.getValue(), field.getKey()).isEmpty())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** The fields an event's time may be read from, in order of preference, with their text (those present only). */
    private static List<Map.Entry<String, String>> timeFields(Event event) {
        List<Map.Entry<String, String>> fields = new ArrayList<>(3);
        if (event.getUpdatedAt() != null) {
            fields.add(Map.entry("updated_at", event.getUpdatedAt()));
        }
        if (event.getCreatedAt() != null) {
            fields.add(Map.entry("created_at", event.getCreatedAt()));
        }
        if (event.getData().getVariables() instanceof Map<?, ?> variables && variables.get("event_time") instanceof String eventTime) {
            fields.add(Map.entry("data.variables.event_time", eventTime));
        }
        return fields;
    }

    private static Optional<EventTime> read(String text, String field) {
        if (text == null || text.isBlank() || text.length() > 64) {
            return Optional.empty();
        }
        String trimmed = text.trim();
        try {
            return Optional.of(new EventTime(OffsetDateTime.parse(trimmed).toInstant(), field));
        } catch (DateTimeParseException withoutOffset) {
            try {
                LocalDateTime local = trimmed.length() > 10 && trimmed.charAt(10) == ' '
                        ? LocalDateTime.parse(trimmed, PORTABILLING_TIME)
                        : LocalDateTime.parse(trimmed);
                return Optional.of(new EventTime(local.toInstant(ZoneOffset.UTC), field));
            } catch (DateTimeParseException unreadable) {
                return Optional.empty();
            }
        }
    }
}
