package io.nsps.connector.config;

import io.nsps.connector.spi.ConfigValues;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads typed settings from environment variables, recording every problem instead of stopping at
 * the first, so that start-up reports them all at once. Shared by the connector's own settings and
 * the handlers' ({@code HandlerConfig}). It also records each setting read, with its effective value
 * (a secret masked, a default as the default), for {@code check-config} to print what a handler reads.
 */
public final class EnvironmentReader {

    /** How a setting read but unset, without a default, is printed. */
    public static final String UNSET = "(unset)";

    private final Map<String, String> env;
    private final List<String> problems;
    private final Map<String, String> read = new LinkedHashMap<>();

    public EnvironmentReader(Map<String, String> env, List<String> problems) {
        this.env = Map.copyOf(env);
        this.problems = problems;
    }

    /** Every setting read so far, with its effective value; secrets masked. */
    public Map<String, String> settingsRead() {
        return Collections.unmodifiableMap(read);
    }

    public Optional<String> get(String name) {
        Optional<String> value = lookup(name);
        read.put(name, value.orElse(UNSET));
        return value;
    }

    /** Whether a setting is given, without reading it (a secret's presence, a contradiction). */
    public boolean isSet(String name) {
        return lookup(name).isPresent();
    }

    private Optional<String> lookup(String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(value.trim());
    }

    public String require(String name) {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            problem(name + " is required");
            return null;
        }
        return value.get();
    }

    /** {@code NAME} or the content of the file named by {@code NAME_FILE}; never both. */
    public Optional<String> secret(String name) {
        Optional<String> direct = lookup(name);
        Optional<String> file = lookup(name + "_FILE");
        read.put(name, direct.isPresent() ? "****" : file.map(path -> "**** (from " + name + "_FILE=" + path + ")").orElse(UNSET));
        if (direct.isPresent() && file.isPresent()) {
            problem(name + " and " + name + "_FILE are both set; set one");
            return Optional.empty();
        }
        if (file.isPresent()) {
            try {
                return Optional.of(ConfigValues.readSecretFile(name + "_FILE", file.get()));
            } catch (IllegalArgumentException e) {
                problem(e.getMessage());
                return Optional.empty();
            }
        }
        return direct;
    }

    public Duration duration(String name, Duration defaultValue) {
        return effective(name, parsed(name, defaultValue, ConfigValues::parseDuration), ConfigValues::formatDuration);
    }

    /** A duration of at least {@code min} (a setting zero makes no sense for refuses {@code 0} with its own message). */
    public Duration duration(String name, Duration defaultValue, Duration min) {
        return effective(name, parsed(name, defaultValue, text -> {
            Duration value = ConfigValues.parseDuration(text);
            if (value.compareTo(min) < 0) {
                throw new IllegalArgumentException("must be at least " + ConfigValues.formatDuration(min) + ", got "
                        + ConfigValues.formatDuration(value));
            }
            return value;
        }), ConfigValues::formatDuration);
    }

    public long byteSize(String name, long defaultValue, long min, long max) {
        return effective(name, parsed(name, defaultValue, text -> inRange(ConfigValues.parseByteSize(text), min, max, " bytes")), String::valueOf);
    }

    public long number(String name, long defaultValue, long min, long max) {
        return effective(name, parsed(name, defaultValue, text -> ConfigValues.parseWholeNumber(text, min, max)), String::valueOf);
    }

    /** Records the value in effect (the default when unset or refused). */
    private <T> T effective(String name, T value, Function<T, String> format) {
        read.put(name, value == null ? UNSET : format.apply(value));
        return value;
    }

    /** The parsed value, or the default when unset; a value that does not parse is recorded as a problem. */
    private <T> T parsed(String name, T defaultValue, Function<String, T> parser) {
        Optional<String> value = lookup(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            return parser.apply(value.get());
        } catch (IllegalArgumentException e) {
            problem(name + ": " + e.getMessage());
            return defaultValue;
        }
    }

    private static long inRange(long value, long min, long max, String unit) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + unit + ", got " + value);
        }
        return value;
    }

    public List<String> list(String name, List<String> defaultValue) {
        Optional<String> value = lookup(name);
        List<String> list = value.isEmpty() ? defaultValue : ConfigValues.parseList(value.get());
        return effective(name, list, each -> String.join(",", each));
    }

    /** One of an enum's constants, named in lower case ({@code json}, {@code oauth2}), matched in any case. */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E defaultValue) {
        return choice(name, type, defaultValue, constant -> constant.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The same, each constant printed (in check-config, in a problem) as {@code spelling} gives it:
     * as the documentation spells it ({@code RS256}).
     */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E defaultValue, Function<E, String> spelling) {
        Optional<String> value = lookup(name);
        Function<E, String> format = spelling;
        if (value.isEmpty()) {
            return effective(name, defaultValue, format);
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.get().replace('-', '_'))) {
                return effective(name, constant, format);
            }
        }
        List<String> allowed = Arrays.stream(type.getEnumConstants()).map(format).toList();
        problem(name + ": '" + value.get() + "' is not one of " + String.join(", ", allowed));
        return defaultValue;
    }

    public void problem(String text) {
        problems.add(text);
    }
}
