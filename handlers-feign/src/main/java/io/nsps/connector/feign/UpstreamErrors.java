package io.nsps.connector.feign;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What may be taken from an external system's error answer: its text, cleaned so that it can be
 * shown to NSPS operators ({@link #sanitise}), and its {@code Retry-After} ({@link #retryAfter}).
 */
public final class UpstreamErrors {

    /** The longest upstream text kept, in characters. */
    public static final int MAX_ERROR_TEXT = 200;
    /** The most of an error answer read, in bytes. */
    static final int MAX_ERROR_BODY = 16 * 1024;

    /** The rest of an address: up to the next space, less the punctuation that ends a sentence or closes a bracket. */
    private static final String ADDRESS_REST = "\\S*?(?=[)\\]}>\"',.;:!?]*(?:\\s|$))";
    /**
     * An address: with a scheme ({@code http://hlr.internal/x}), scheme-relative
     * ({@code //hlr.internal/x}), or a host name or IPv4 address with a port ({@code hlr.internal:3001/prov};
     * a time such as {@code 12:30:45} is not one).
     */
    private static final Pattern ADDRESS = Pattern.compile(
            "(?i)\\b[a-z][a-z0-9+.-]*://" + ADDRESS_REST + "|//\\S" + ADDRESS_REST
                    + "|\\b(?:[a-z0-9-]*[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)*|\\d{1,3}(?:\\.\\d{1,3}){3}):\\d{1,5}\\b(?:/" + ADDRESS_REST + ")?");
    /** Controls (C0, C1, DEL), format characters (bidi overrides, zero-width), line and paragraph separators. */
    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]+");

    /** The longest Retry-After taken from an external system; a longer one is ignored (the handler's default applies). */
    public static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    /** The obsolete asctime form of an HTTP-date (RFC 9110, 5.6.7), GMT. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US)
            .withZone(ZoneOffset.UTC);

    private UpstreamErrors() {
    }

    /**
     * Retry-After as a delay: delay-seconds, or an HTTP-date counted from {@code now} (a date already
     * past is no delay). Garbage, a negative number or more than {@link #MAX_RETRY_AFTER} gives null.
     */
    public static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        Duration delay;
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                delay = Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return null; // beyond a long
            }
        } else {
            Instant at = httpDate(value, now);
            if (at == null) {
                return null;
            }
            delay = at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        }
        return delay.compareTo(MAX_RETRY_AFTER) <= 0 ? delay : null;
    }

    /** The three forms a recipient must accept (RFC 9110, 5.6.7): IMF-fixdate, RFC 850, asctime. */
    private static Instant httpDate(String value, Instant now) {
        // RFC 850's two-digit year is the one within 50 years of now (more than 50 ahead means the past).
        DateTimeFormatter rfc850 = new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, now.atOffset(ZoneOffset.UTC).getYear() - 49)
                .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US).withZone(ZoneOffset.UTC);
        for (DateTimeFormatter format : List.of(DateTimeFormatter.RFC_1123_DATE_TIME, rfc850, ASCTIME)) {
            try {
                return ZonedDateTime.parse(value, format).toInstant();
            } catch (DateTimeParseException e) {
                // the next form
            }
        }
        return null;
    }

    /** No addresses, no invisible characters ({@link #INVISIBLE}), at most {@link #MAX_ERROR_TEXT} characters. */
    public static String sanitise(String text) {
        String clean = ADDRESS.matcher(INVISIBLE.matcher(text).replaceAll(" ")).replaceAll("[address]").trim();
        return clean.length() <= MAX_ERROR_TEXT ? clean : clean.substring(0, MAX_ERROR_TEXT) + "...";
    }

}
