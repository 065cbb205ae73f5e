package io.nsps.connector.processing;

import io.nsps.connector.model.Event;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.model.PBData;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
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

    /** The forms of a time {@link #read} reads. */
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT).withChronology(IsoChronology.INSTANCE);

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
                return Optional.of(Journal.ACCOUNT_SUBSCRIBER + accountId(account));
            }
        }
        return Optional.empty();
    }

    /**
     * An account id from {@code data.variables} (no schema types it): a whole number in its plain
     * form, as {@code pb_data.account_info.i_account} is read, whether it came as {@code 1000889},
     * {@code "01000889"}, {@code "+1000889"} or {@code 1000889.0}, so that they are one subscriber;
     * anything else as sent.
     */
    private static String accountId(Object account) {
        String text = account.toString().trim();
        if (text.length() <= 40) {
            try {
                BigDecimal number = new BigDecimal(text);
                if (number.signum() >= 0 && number.stripTrailingZeros().scale() <= 0) {
                    return number.toBigInteger().toString();
                }
            } catch (NumberFormatException notANumber) {
                // an id of another form: kept as sent
            }
        }
        return text;
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

    /**
     * The event's time, from the first of {@code updated_at}, {@code created_at} and
     * {@code data.variables.event_time} that the event carries (not blank). When that field cannot be
     * read, the event has no time: an older field is not read instead (it would make the event look
     * older than it is, and its newer state "not applied").
     */
    public static Optional<EventTime> time(Event event) {
        return timeField(event).flatMap(field -> read(field.getValue(), field.getKey()));
    }

    /**
     * The field that gives the event's time, by JSON path, when it cannot be read: NSPS may have
     * changed its format, and the event is then applied without being ordered.
     */
    public static Optional<String> unreadableTimeField(Event event) {
        return timeField(event).filter(field -> read(field.getValue(), field.getKey()).isEmpty()).map(Map.Entry::getKey);
    }

    /** The field the event's time is read from, with its text: the first of the three it carries. */
    private static Optional<Map.Entry<String, String>> timeField(Event event) {
        if (event.getUpdatedAt() != null && !event.getUpdatedAt().isBlank()) {
            return Optional.of(Map.entry("updated_at", event.getUpdatedAt()));
        }
        if (event.getCreatedAt() != null && !event.getCreatedAt().isBlank()) {
            return Optional.of(Map.entry("created_at", event.getCreatedAt()));
        }
        if (event.getData().getVariables() instanceof Map<?, ?> variables && variables.get("event_time") instanceof String eventTime
                && !eventTime.isBlank()) {
            return Optional.of(Map.entry("data.variables.event_time", eventTime));
        }
        return Optional.empty();
    }

    /**
     * A time as ISO 8601 or PortaBilling print it: date, {@code T} or a space, time with up to nine
     * decimals, then an optional offset ({@code Z}, {@code +03}, {@code +0300}, {@code +03:00},
     * after a space or not); without one it is UTC. Kept to the microsecond, as PostgreSQL keeps a
     * subscriber's last applied time, so that both stores compare the same instants.
     */
    private static Optional<EventTime> read(String text, String field) {
        if (text.length() > 64) {
            return Optional.empty();
        }
        try {
            TemporalAccessor parsed = TIME.parse(text.trim());
            Instant instant = parsed.isSupported(ChronoField.OFFSET_SECONDS)
                    ? OffsetDateTime.from(parsed).toInstant()
                    : LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC);
            return Optional.of(new EventTime(instant.truncatedTo(ChronoUnit.MICROS), field));
        } catch (DateTimeException unreadable) {
            return Optional.empty();
        }
    }
}
