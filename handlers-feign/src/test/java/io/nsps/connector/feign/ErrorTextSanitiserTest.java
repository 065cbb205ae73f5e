package io.nsps.connector.feign;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HLR's error text before it is quoted to NSPS: no address of the HLR's network (with a
 * scheme, scheme-relative, or host and port), no character that hides or reorders text or breaks
 * a line, and at most 200 characters.
 */
final class ErrorTextSanitiserTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "see http://hlr.internal/x for details      | see [address] for details",
            "see //hlr.internal/x for details           | see [address] for details",
            "posted to hlr.internal:3001/prov failed    | posted to [address] failed",
            "from 10.0.0.7:8080 refused                 | from [address] refused",
            "localhost:3001 down                        | [address] down",
            "failed (see http://hlr.internal/x.html).   | failed (see [address]).",
            "at hlr.internal:3001/prov, then retry      | at [address], then retry",
            "'http://hlr.internal/a?b=c' refused        | '[address]' refused",
            "user@hlr.internal:3001 refused             | user@[address] refused",
            "HLR.Internal:3001/prov failed              | [address] failed",
    })
    void addressesAreRemoved(String upstream, String quoted) {
        assertThat(UpstreamErrors.sanitise(upstream)).isEqualTo(quoted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0085", "\u009b", "\u202e", "\u2066", "\u2028", "\u2029", "\u200b", "\u001b", "\r\n", "\u007f"})
    void invisibleAndLineBreakingCharactersBecomeSpaces(String character) {
        assertThat(UpstreamErrors.sanitise("profile" + character + "unknown")).isEqualTo("profile unknown");
    }

    @ParameterizedTest
    @ValueSource(strings = {"failed at 12:30:45", "IMSI 255010000020349 unknown", "cs-pp-20250319: no such profile", "Ошибка профиля"})
    void ordinaryTextIsKept(String upstream) {
        assertThat(UpstreamErrors.sanitise(upstream)).isEqualTo(upstream);
    }

    /**
     * Texts an upstream could send (up to 64 KiB in a 2xx's error field) on which a backtracking
     * address pattern took hours or overflowed the stack: each is sanitised within a deadline that
     * is ample for a linear scan, and the work cannot be interrupted, so the deadline is the test.
     */
    @ParameterizedTest
    @ValueSource(strings = {"a-", "a.", "a", ".", ")", "1.", "a:", "http://", "//", "1-"})
    void hostileTextsOfRepeatedAddressPartsAreSanitisedInLinearTime(String part) {
        String hostile = part.repeat(64 * 1024 / part.length());

        String clean = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                () -> UpstreamErrors.sanitise(hostile));

        assertThat(clean).hasSizeLessThanOrEqualTo(UpstreamErrors.MAX_ERROR_TEXT + 3);
    }

    @org.junit.jupiter.api.Test
    void longTextIsCut() {
        assertThat(UpstreamErrors.sanitise("e".repeat(5000))).hasSize(UpstreamErrors.MAX_ERROR_TEXT + 3);
    }
}
