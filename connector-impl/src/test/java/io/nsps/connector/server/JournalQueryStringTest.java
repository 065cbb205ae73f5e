package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The journal's query string as {@link Operations} reads it: strictly, so that a parameter malformed
 * in itself is refused with a 400 that names it instead of being dropped (Grizzly's own parameter
 * parsing drops {@code since=%zz} and the query then answers every entry).
 */
final class JournalQueryStringTest {

    @Test
    void wellFormedParametersAreDecodedAsUtf8() {
        assertThat(Operations.queryParameters("since=2h&subscriber=imsi%3A255010000000001&event_id=caf%C3%A9+1&failed"))
                .isEqualTo(Map.of("since", "2h", "subscriber", "imsi:255010000000001", "event_id", "café 1", "failed", ""));
        assertThat(Operations.queryParameters(null)).isEmpty();
        assertThat(Operations.queryParameters("")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "since=%zz|The query parameter 'since' is malformed: a % must be followed by two hexadecimal digits",
            "limit=10&since=%2|The query parameter 'since' is malformed: a % must be followed by two hexadecimal digits",
            "since=%ff|The query parameter 'since' is malformed: its percent-encoding is not UTF-8",
            "sin%zzce=2h|A query parameter's name is malformed: a % must be followed by two hexadecimal digits",
            "since=2h&since=3h|The query parameter 'since' is given more than once"})
    void aMalformedParameterIsA400NamingIt(String query, String error) {
        assertThatThrownBy(() -> Operations.queryParameters(query)).isInstanceOfSatisfying(Operations.Refused.class, refused -> {
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo(error);
        });
    }
}
