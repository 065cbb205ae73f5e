package io.nsps.connector.handlers.hlr;

import io.nsps.connector.spi.ConfigValues;
import io.nsps.connector.spi.HandlerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code hlr-hss} handler's settings ({@code HLR_*}). Problems are recorded through
 * {@link HandlerConfig} and reported with every other start-up problem.
 */
record HlrSettings(
        String baseUrl,
        Duration timeout,
        Duration connectTimeout,
        Optional<String> defaultCsProfile,
        Optional<String> defaultEpsProfile,
        Optional<Pattern> imsiPattern,
        List<String> eventTypes,
        long maxRequestsPerSecond) {

    static final List<String> DEFAULT_EVENT_TYPES = List.of("SIM/Updated", "SIM/Created", "SIM/Deleted", "SIM/Replaced");
    static final Pattern PROFILE = Pattern.compile("[a-zA-Z][-_.a-zA-Z0-9]*");

    static HlrSettings read(HandlerConfig config) {
        String baseUrl = baseUrl(config);
        // Read as written before it is parsed: check-config shows a setting as its last read left it,
        // which must be the value in effect (10s when unset), not the text.
        Optional<String> timeoutText = config.get("TIMEOUT");
        Duration timeout = config.timeout("TIMEOUT", Duration.ofSeconds(10));
        Duration defaultConnect = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2);
        Duration connectTimeout = config.duration("CONNECT_TIMEOUT", defaultConnect);
        // Compared with CONNECT_TIMEOUT only as written: one refused is reported already, and its default is not the operator's.
        boolean timeoutAsWritten = timeoutText.map(text -> writes(text, timeout)).orElse(true);
        if (connectTimeout.isZero()) {
            config.reportProblem("CONNECT_TIMEOUT", "must be above zero");
        } else if (timeoutAsWritten && connectTimeout.compareTo(timeout) > 0) {
            config.reportProblem("CONNECT_TIMEOUT", "must not exceed " + config.prefix() + "TIMEOUT");
        }
        Optional<String> cs = profile(config, "DEFAULT_CS_PROFILE");
        Optional<String> eps = profile(config, "DEFAULT_EPS_PROFILE");
        Optional<Pattern> imsiPattern = Optional.empty();
        Optional<String> pattern = config.get("IMSI_PATTERN");
        if (pattern.isPresent()) {
            try {
                imsiPattern = Optional.of(Pattern.compile(pattern.get()));
            } catch (PatternSyntaxException e) {
                config.reportProblem("IMSI_PATTERN", "is not a regular expression: " + e.getDescription());
            }
        }
        List<String> types = config.list("EVENT_TYPES", DEFAULT_EVENT_TYPES);
        long maxRps = config.number("MAX_RPS", 0, 0, 100_000);
        return new HlrSettings(baseUrl, timeout, connectTimeout, cs, eps, imsiPattern, types, maxRps);
    }

    /** Whether {@code text} is a duration of {@code value}. */
    private static boolean writes(String text, Duration value) {
        try {
            return ConfigValues.parseDuration(text).equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The base URL without a trailing slash, so {@code /prov} joins it the same way whichever was written. */
    private static String baseUrl(HandlerConfig config) {
        String url = config.httpUrl("API_URL");
        return url == null ? "http://unset.invalid" : url;
    }

    private static Optional<String> profile(HandlerConfig config, String key) {
        Optional<String> value = config.get(key);
        if (value.isPresent() && !PROFILE.matcher(value.get()).matches()) {
            config.reportProblem(key, "'" + value.get() + "' is not a profile name (a letter, then letters, digits, '-', '_', '.')");
            return Optional.empty();
        }
        return value;
    }
}
