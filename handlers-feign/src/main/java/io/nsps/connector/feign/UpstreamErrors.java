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
import java.util.regex.Matcher;
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

    /** The punctuation that ends a sentence or closes a bracket: given back when it ends an address. */
    private static final String CLOSING = ")]}>\"',.;:!?";
    /**
     * An address: with a scheme ({@code http://hlr.internal/x}), scheme-relative
     * ({@code //hlr.internal/x}), or a host name or IPv4 address with a port ({@code hlr.internal:3001/prov};
     * a time such as {@code 12:30:45} is not one: see {@link #HOST}). Linear on any input (an
     * upstream's answer is hostile until shown otherwise): each part starts only where a run of its
     * characters starts (the look-behinds), and none gives back what it took (possessive quantifiers),
     * so nothing is tried twice.
     */
    private static final Pattern ADDRESS = Pattern.compile(
            "(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*+://\\S*+|//\\S++"
                    + "|(?<![a-z0-9.-])(?<host>[a-z0-9-]++(?:\\.[a-z0-9-]++)*+):\\d{1,5}+(?![0-9])(?:/\\S*+)?+");
    /** An IPv4 address, or a host name whose first label has a letter (so {@code 12:30} is a time, not an address). */
    private static final Pattern HOST = Pattern.compile("(?i)\\d{1,3}(?:\\.\\d{1,3}){3}|[a-z0-9-]*[a-z][a-z0-9-]*(?:\\..*)?");
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

    /** The punctuation an address ends with, which belongs to the sentence ("(see http://x/y)." keeps its ")."). */
    private static String closingPunctuation(String address) {
        int end = address.length();
        while (end > 0 && CLOSING.indexOf(address.charAt(end - 1)) >= 0) {
            end--;
        }
        return address.substring(end);
    }

    /** No addresses, no invisible characters ({@link #INVISIBLE}), at most {@link #MAX_ERROR_TEXT} characters. */
    public static String sanitise(String text) {
        // An address runs to the next space; the punctuation it ends with is given back to the sentence.
        Matcher address = ADDRESS.matcher(INVISIBLE.matcher(text).replaceAll(" "));
        StringBuilder cleaned = new StringBuilder();
        while (address.find()) {
            String found = address.group();
            String host = address.group("host");
            address.appendReplacement(cleaned, Matcher.quoteReplacement(
                    host != null && !HOST.matcher(host).matches() ? found : "[address]" + closingPunctuation(found)));
        }
        String clean = address.appendTail(cleaned).toString().trim();
        return clean.length() <= MAX_ERROR_TEXT ? clean : clean.substring(0, MAX_ERROR_TEXT) + "...";
    }

}
