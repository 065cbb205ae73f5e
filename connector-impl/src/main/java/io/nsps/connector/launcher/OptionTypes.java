package io.nsps.connector.launcher;

import io.nsps.connector.state.Journal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The types of the operator commands' options, each checked as picocli reads the command line: a
 * value not of its form is a usage error (exit 2) naming the option and what it takes, before any
 * connector is asked. The journal's rules are the management port's own ({@link Journal}).
 */
final class OptionTypes {

    private OptionTypes() {
    }

    /** The parser's value; its IllegalArgumentException (which says the accepted form) as picocli's usage error. */
    private static <T> T checked(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** An {@code http://} or {@code https://} URL with a host: where a command finds a running connector. */
    static final class HttpUrl implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            return checked(() -> parse(value));
        }

        /** @throws IllegalArgumentException saying what is expected */
        static URI parse(String text) {
            String expected = "expected an http:// or https:// URL such as http://127.0.0.1:8081";
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + text + "' is not a URL (" + e.getReason() + " at index " + e.getIndex() + "); "
                        + expected);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// URL with a host, such as "
                        + "http://127.0.0.1:8081");
            }
            return uri;
        }
    }

    /** A window back from now, as the journal reads it: {@code 2h}, {@code 30m}, {@code 7d}. */
    static final class Since implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return checked(() -> Journal.parseSince(value));
        }
    }

    /** How many entries, as the journal takes it: 1 to {@link Journal#MAX_LIMIT}. */
    static final class Limit implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return checked(() -> Journal.parseLimit(value));
        }
    }

    /** A subscriber as the journal names it: {@code imsi:...} or {@code account:...}. */
    static final class Subscriber implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return checked(() -> Journal.parseSubscriber(value));
        }
    }
}
