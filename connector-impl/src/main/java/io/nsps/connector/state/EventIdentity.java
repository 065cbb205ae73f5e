package io.nsps.connector.state;

import io.nsps.connector.model.Event;
import io.nsps.connector.model.PBData;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * Who an event is about and when it happened, for per-subscriber ordering.
 *
 * <ul>
 *   <li>Subscriber: {@code imsi:<pb_data.sim_info.imsi>}, else {@code account:<i_account>} (from
 *       {@code pb_data.account_info}, else {@code data.variables}); none when the event names neither.</li>
 *   <li>Time: {@code updated_at}, else {@code created_at} (ISO-8601 with offset), else
 *       {@code data.variables.event_time} ({@code yyyy-MM-dd HH:mm:ss}, read as UTC); none when
 *       absent or unreadable.</li>
 * </ul>
 */
public final class EventIdentity {

    private static final DateTimeFormatter PORTABILLING_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private EventIdentity() {
    }

    public static Optional<String> subscriber(Event event) {
        PBData pb = event.getPbData();
        if (pb != null && pb.getSimInfo() != null && pb.getSimInfo().getImsi() != null && !pb.getSimInfo().getImsi().isBlank()) {
            return Optional.of("imsi:" + pb.getSimInfo().getImsi());
        }
        if (pb != null && pb.getAccountInfo() != null && pb.getAccountInfo().getiAccount() != null) {
            return Optional.of("account:" + pb.getAccountInfo().getiAccount());
        }
        if (event.getData().getVariables() instanceof Map<?, ?> variables) {
            Object account = variables.get("i_account");
            if (account instanceof Number || account instanceof String s && !s.isBlank()) {
                return Optional.of("account:" + account);
            }
        }
        return Optional.empty();
    }

    public static Optional<Instant> time(Event event) {
        Optional<Instant> time = isoTime(event.getUpdatedAt());
        if (time.isEmpty()) {
            time = isoTime(event.getCreatedAt());
        }
        if (time.isEmpty() && event.getData().getVariables() instanceof Map<?, ?> variables
                && variables.get("event_time") instanceof String eventTime) {
            try {
                time = Optional.of(LocalDateTime.parse(eventTime.trim(), PORTABILLING_TIME).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                time = Optional.empty();
            }
        }
        return time;
    }

    private static Optional<Instant> isoTime(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text.trim()).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
