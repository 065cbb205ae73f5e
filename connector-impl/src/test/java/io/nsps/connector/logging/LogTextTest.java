package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A log line cannot be forged or hidden in with sender-controlled text, in either format: one event
 * is one line, control, bidi and separator characters are escaped, and no field is megabytes long.
 */
final class LogTextTest {

    private static final String HOSTILE = "id\r\nINFO forged line\u001b[31m red\u0085\u2028\u2029\u202e\u2066 end";

    private final LoggerContext context = new LoggerContext();

    @Test
    void textLinesEscapeEveryControlFormatAndSeparatorCharacter() {
        String line = encode(LogFormat.TEXT, "event " + HOSTILE, Map.of("request_id", "r\n1"));

        assertThat(line).endsWith(System.lineSeparator());
        String body = line.substring(0, line.length() - System.lineSeparator().length());
        assertThat(body).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b").doesNotContain("\u0085")
                .doesNotContain("\u2028").doesNotContain("\u2029").doesNotContain("\u202e").doesNotContain("\u2066")
                .contains("id\\r\\nINFO forged line\\u001B[31m red\\u0085\\u2028\\u2029\\u202E\\u2066 end")
                .contains("[r\\n1]");
    }

    @Test
    void jsonLinesEscapeSeparatorsAndInvisibleCharactersAsWell() throws Exception {
        String line = encode(LogFormat.JSON, "event " + HOSTILE, Map.of("event_id", HOSTILE));

        assertThat(line.trim()).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u001b").doesNotContain("\u0085")
                .doesNotContain("\u2028").doesNotContain("\u2029").doesNotContain("\u202e").doesNotContain("\u2066");
        assertThat(new ObjectMapper().readTree(line).path("event_id").asText()).isEqualTo(HOSTILE);
    }

    @Test
    void noFieldIsLongerThanTheBoundInEitherFormat() {
        String huge = "x".repeat(1_500_000);

        assertThat(encode(LogFormat.JSON, "event " + huge, Map.of("event_id", huge)).length()).isLessThan(3 * LogText.MAX_FIELD_CHARS);
        assertThat(encode(LogFormat.TEXT, "event " + huge, Map.of()).length()).isLessThan(2 * LogText.MAX_FIELD_CHARS);
        assertThat(LogText.bounded(huge)).hasSizeLessThan(LogText.MAX_VALUE_CHARS + 40).endsWith("...(1499800 more characters)");
    }

    private String encode(LogFormat format, String message, Map<String, String> mdc) {
        Encoder<ILoggingEvent> encoder = LoggingSetup.encoder(format, context);
        LoggingEvent event = new LoggingEvent("test", context.getLogger("io.nsps.connector.test"), Level.INFO, message, null, null);
        event.setMDCPropertyMap(mdc);
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }
}
