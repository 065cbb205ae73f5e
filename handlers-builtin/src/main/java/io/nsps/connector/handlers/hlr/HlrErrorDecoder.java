package io.nsps.connector.handlers.hlr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Response;
import feign.codec.ErrorDecoder;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns every non-2xx answer into the SPI's failure hierarchy (carried out of Feign by
 * {@link HlrCallFailure}): 400/422 -> {@link InvalidEventException}, 429 ->
 * {@link UpstreamRateLimitedException} with the HLR's Retry-After, anything else (5xx, a 3xx, which
 * is never followed, 410, other 4xx) -> {@link UpstreamErrorException}. Three statuses whose meaning
 * depends on the call stay an {@link HlrStatusException} for the handler to decide: 401/403 (renew
 * the credentials and re-send once), 404 (a delete's "already absent") and 409 (an insert's
 * "already present"). The raw body never travels: it is read up to {@link #MAX_ERROR_BODY} bytes and
 * only its {@code error} or {@code message} field is kept, sanitised and capped.
 */
final class HlrErrorDecoder implements ErrorDecoder {

    static final int MAX_ERROR_BODY = 16 * 1024;
    static final int MAX_ERROR_TEXT = 200;
    /**
     * An address: with a scheme ({@code http://hlr.internal/x}), scheme-relative
     * ({@code //hlr.internal/x}), or a host name or IPv4 address with a port ({@code hlr.internal:3001/prov};
     * a time such as {@code 12:30:45} is not one).
     */
    private static final Pattern ADDRESS = Pattern.compile(
            "(?i)\\b[a-z][a-z0-9+.-]*://\\S*|//\\S+"
                    + "|\\b(?:[a-z0-9-]*[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)*|\\d{1,3}(?:\\.\\d{1,3}){3}):\\d{1,5}\\b(?:/\\S*)?");
    /** Controls (C0, C1, DEL), format characters (bidi overrides, zero-width), line and paragraph separators. */
    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]+");

    /** The longest Retry-After taken from the HLR; a longer one is ignored (the connector's default applies). */
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    /** The obsolete asctime form of an HTTP-date (RFC 9110, 5.6.7), GMT. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US)
            .withZone(ZoneOffset.UTC);

    private final ObjectMapper mapper;
    private final Clock clock;

    HlrErrorDecoder(ObjectMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public Exception decode(String methodKey, Response response) {
        int status = response.status();
        String error = errorText(response);
        String detail = error.isEmpty() ? "" : ": " + error;
        return switch (status) {
            case 401, 403, 404, 409 -> new HlrStatusException(status, error, requestHeader(response, "Authorization"));
            case 400, 422 -> new HlrCallFailure(InvalidEventException.rejectedUpstream("The HLR refused the request (HTTP " + status + ")" + detail));
            case 429 -> new HlrCallFailure(new UpstreamRateLimitedException("The HLR is rate limiting the connector",
                    retryAfter(header(response, "Retry-After"), clock.instant())));
            default -> new HlrCallFailure(new UpstreamErrorException("The HLR failed (HTTP " + status + ")" + detail, null));
        };
    }

    private String errorText(Response response) {
        if (response.body() == null) {
            return "";
        }
        try (InputStream in = response.body().asInputStream()) {
            byte[] body = in.readNBytes(MAX_ERROR_BODY);
            JsonNode json = mapper.readTree(body);
            if (json == null || !json.isObject()) {
                return "";
            }
            String text = json.path("error").isTextual() ? json.path("error").asText() : json.path("message").asText("");
            return sanitise(text);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * Retry-After as a delay: delay-seconds, or an HTTP-date counted from {@code now} (a date already
     * past is no delay). Garbage, a negative number or more than {@link #MAX_RETRY_AFTER} gives null.
     */
    static Duration retryAfter(String header, Instant now) {
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
    static String sanitise(String text) {
        String clean = ADDRESS.matcher(INVISIBLE.matcher(text).replaceAll(" ")).replaceAll("[address]").trim();
        return clean.length() <= MAX_ERROR_TEXT ? clean : clean.substring(0, MAX_ERROR_TEXT) + "...";
    }

    private static String header(Response response, String name) {
        for (var entry : response.headers().entrySet()) {
            if (entry.getKey() != null && entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
                return entry.getValue().iterator().next();
            }
        }
        return null;
    }

    private static String requestHeader(Response response, String name) {
        if (response.request() == null) {
            return null;
        }
        for (var entry : response.request().headers().entrySet()) {
            Collection<String> values = entry.getValue();
            if (entry.getKey().equalsIgnoreCase(name) && !values.isEmpty()) {
                return values.iterator().next();
            }
        }
        return null;
    }
}
