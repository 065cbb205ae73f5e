package io.nsps.connector.spi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one syntax of every setting, the connector's and the handlers' (and the testing kit's, which
 * reads them the same way): durations {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h},
 * {@code 35d}, and {@code 0} alone (zero needs no unit); sizes in bytes ({@code 1048576}) or with a binary unit ({@code 64KiB}, {@code 2MiB},
 * {@code 1GiB}); whole numbers within bounds; comma-separated lists; secrets in files; and the
 * settings prefix of a handler's name.
 */
public final class ConfigValues {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");
    private static final Pattern ZERO = Pattern.compile("0{1,12}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|B|KiB|MiB|GiB)");

    private ConfigValues() {
    }

    /**
     * A duration: an amount and its unit, or a bare {@code 0} (zero is zero in any unit). Whether
     * zero is acceptable is the setting's business: each says its own minimum.
     *
     * @throws IllegalArgumentException with a message that shows the accepted forms
     */
    public static Duration parseDuration(String text) {
        String normalised = text.trim().toLowerCase(Locale.ROOT);
        if (ZERO.matcher(normalised).matches()) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(normalised);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write it like 500ms, 10s, 2m, 1h or 35d");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    /** @throws IllegalArgumentException with a message that shows the accepted forms */
    public static long parseByteSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write it in bytes or like 64KiB or 2MiB");
        }
        long amount = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(amount, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /**
     * A whole number within {@code [min, max]}.
     *
     * @throws IllegalArgumentException "'x' is not a whole number", or "must be between min and max, got v"
     * @since 0.2
     */
    public static long parseWholeNumber(String text, long min, long max) {
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /**
     * A comma-separated list, entries trimmed, empty entries dropped.
     *
     * @since 0.2
     */
    public static List<String> parseList(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(entry -> !entry.isEmpty()).toList();
    }

    /**
     * The secret held in the file a {@code <NAME>_FILE} setting names (the container-secret
     * convention): its content without surrounding whitespace and line breaks.
     *
     * @param setting the {@code _FILE} setting's name, for the message
     * @throws IllegalArgumentException "NAME_FILE names an empty file: path", or "NAME_FILE cannot be read: path"
     * @since 0.2
     */
    public static String readSecretFile(String setting, String path) {
        String content;
        try {
            content = Files.readString(Path.of(path), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(setting + " cannot be read: " + path);
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException(setting + " names an empty file: " + path);
        }
        return content;
    }

    /**
     * The settings prefix of a handler's name: upper case, every other character an underscore,
     * and a final underscore ({@code vendor-crm} reads {@code VENDOR_CRM_*}).
     *
     * @since 0.2
     */
    public static String prefixOf(String handlerName) {
        return handlerName.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
    }

    /**
     * An absolute http(s) URL with a host, and without a query, a fragment or user info (credentials
     * go in their own settings, where they are masked), such as an external system's base URL. A
     * value that may carry a secret (an {@code @}, a query, a fragment) is not quoted back.
     *
     * @throws IllegalArgumentException "'x' is not an http(s) URL like https://host:port/base/path", or
     *     says which part does not belong in it
     */
    public static URI parseHttpUrl(String text) {
        if (text.indexOf('@') >= 0) {
            throw new IllegalArgumentException("must not carry user information (an '@'; not shown, as it may hold a password):"
                    + " give credentials in the handler's AUTH settings");
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not an http(s) URL like https://host:port/base/path");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must be a base URL without a query or a fragment (not shown, as it may hold a key):"
                    + " https://host:port/base/path");
        }
        return uri;
    }

    /**
     * The bounds of a handler's timeout ({@link HandlerConfig#timeout}): an event's calls must be over
     * before the sender's own request timeout (30 s), or it would give up on an answer that the
     * connector then gives to no one.
     */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(25);

    /**
     * {@code value} if within {@code [min, max]}.
     *
     * @throws IllegalArgumentException "must be between 100ms and 25s, got 0s"
     */
    public static Duration requireWithin(Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be between " + formatDuration(min) + " and " + formatDuration(max)
                    + ", got " + formatDuration(value));
        }
        return value;
    }

    /** Formats a duration the way {@link #parseDuration} reads it. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
