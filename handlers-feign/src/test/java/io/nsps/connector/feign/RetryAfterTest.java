package io.nsps.connector.feign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The HLR's Retry-After, in each form RFC 9110 lets a server send, read as a delay from now. */
class RetryAfterTest {

    private static final Instant NOW = Instant.parse("1994-11-06T08:49:07Z");

    @ParameterizedTest(name = "{0} -> {1} s")
    @CsvSource(delimiter = '|', value = {
            "7                             | 7",
            "' 120 '                       | 120",
            "0                             | 0",
            "86400                         | 86400",
            "Sun, 06 Nov 1994 08:49:37 GMT | 30",
            "Sunday, 06-Nov-94 08:49:37 GMT | 30",
            "Sun Nov  6 08:49:37 1994      | 30",
            "Sun, 06 Nov 1994 08:48:37 GMT | 0",
    })
    void isReadAsADelay(String header, long seconds) {
        assertThat(UpstreamErrors.retryAfter(header, NOW)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"-5", "+5", "1.5", "\u0665", "86401", "99999999999999999999", "soon", "Sun, 06 Nov 1994", "Mon, 07 Nov 1994 08:49:37 GMT"})
    void garbageNegativeOrLongerThanADayIsIgnored(String header) {
        assertThat(UpstreamErrors.retryAfter(header, NOW)).isNull();
    }
}
