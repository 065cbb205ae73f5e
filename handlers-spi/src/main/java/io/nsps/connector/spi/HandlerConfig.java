package io.nsps.connector.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A handler's settings: the environment variables that start with its {@link #prefix()}. Keys are
 * given without the prefix: with prefix {@code HLR_}, {@code get("API_URL")} reads
 * {@code HLR_API_URL}.
 *
 * <p>Problems (a required setting missing, a value that does not parse) are recorded, not thrown:
 * the method returns {@code null} or the default, and the connector refuses to start, listing
 * every problem of every handler together with its own.
 */
public interface HandlerConfig {

    /** The prefix, for example {@code HLR_}. */
    String prefix();

    /** The value, trimmed; empty when unset or blank. */
    Optional<String> get(String key);

    /** The value, or {@code defaultValue} when unset or blank. */
    default String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    /** The value; when unset or blank, records "is required" and returns {@code null}. */
    String require(String key);

    /**
     * A secret: the value of {@code <prefix><key>}, or the content of the file named by
     * {@code <prefix><key>_FILE} (the container-secret convention; trailing line breaks are
     * dropped). Setting both is recorded as a problem. The value is masked in every log line.
     */
    Optional<String> secret(String key);

    /** A duration written {@code 500ms}, {@code 10s}, {@code 2m} or {@code 1h}. */
    Duration duration(String key, Duration defaultValue);

    /**
     * A duration within {@code [min, max]}; one outside is recorded as a problem ("must be between
     * 1s and 1h, got 0s") and the default returned.
     *
     * @throws IllegalArgumentException the default itself is outside the bounds (a handler's bug,
     *     not the operator's)
     */
    default Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        ConfigValues.requireWithin(defaultValue, min, max);
        Duration value = duration(key, defaultValue);
        try {
            return ConfigValues.requireWithin(value, min, max);
        } catch (IllegalArgumentException e) {
            reportProblem(key, e.getMessage());
            return defaultValue;
        }
    }

    /**
     * The time all the calls of one event to the external system may take together: a duration
     * within {@link ConfigValues#MIN_TIMEOUT} and {@link ConfigValues#MAX_TIMEOUT} (100 ms to 25 s,
     * so that the event is answered before NSPS gives up on its request).
     */
    default Duration timeout(String key, Duration defaultValue) {
        return duration(key, defaultValue, ConfigValues.MIN_TIMEOUT, ConfigValues.MAX_TIMEOUT);
    }

    /**
     * A required absolute http(s) URL, such as the external system's base URL with its base path
     * ({@link ConfigValues#parseHttpUrl}), without trailing slashes. When unset, records "is
     * required"; when not such a URL, records that; either way returns {@code null}, so a factory
     * that returns no handler then lets the connector list every problem and refuse to start.
     */
    default String httpUrl(String key) {
        String text = require(key);
        if (text == null) {
            return null;
        }
        try {
            return ConfigValues.parseHttpUrl(text).toString().replaceAll("/+$", "");
        } catch (IllegalArgumentException e) {
            reportProblem(key, e.getMessage());
            return null;
        }
    }

    /** A whole number within {@code [min, max]}. */
    long number(String key, long defaultValue, long min, long max);

    /** A comma-separated list, entries trimmed, empty entries dropped. */
    List<String> list(String key, List<String> defaultValue);

    /** Records a problem with one of this handler's settings, for example two that contradict. */
    void reportProblem(String key, String problem);
}
