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

    public static Optional<EventTime> time(Event event) {
        Optional<EventTime> time = read(event.getUpdatedAt(), "updated_at");
        if (time.isEmpty()) {
            time = read(event.getCreatedAt(), "created_at");
        }
        if (time.isEmpty() && event.getData().getVariables() instanceof Map<?, ?> variables
                && variables.get("event_time") instanceof String eventTime) {
            time = read(eventTime, "data.variables.event_time");
        }
        return time;
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
