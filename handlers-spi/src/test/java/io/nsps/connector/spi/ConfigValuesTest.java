package io.nsps.connector.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ConfigValuesTest {

    @Test
    void aBareZeroIsAZeroDuration() {
        assertThat(ConfigValues.parseDuration("0")).isZero();
        assertThat(ConfigValues.parseDuration(" 00 ")).isZero();
        assertThat(ConfigValues.parseDuration("0s")).isZero();
    }

    @Test
    void anyOtherNumberNeedsItsUnit() {
        assertThat(ConfigValues.parseDuration("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ConfigValues.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> ConfigValues.parseDuration("10")).hasMessage("'10' is not a duration; write it like 500ms, 10s, 2m, 1h or 35d");
        assertThatThrownBy(() -> ConfigValues.parseDuration("-0")).hasMessageContaining("is not a duration");
    }

    @Test
    void aDurationIsPrintedAsItIsWritten() {
        assertThat(ConfigValues.formatDuration(Duration.ofDays(35))).isEqualTo("35d");
        assertThat(ConfigValues.formatDuration(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(ConfigValues.formatDuration(Duration.ZERO)).isEqualTo("0s");
        assertThat(ConfigValues.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}
