package io.nsps.connector.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class EventTypePatternTest {

    @ParameterizedTest
    @CsvSource({
            "SIM/Updated, SIM/Updated, true",
            "SIM/Updated, SIM/Created, false",
            "SIM/Updated, sim/updated, false",
            "SIM/*, SIM/Updated, true",
            "SIM/*, SIM/Card/Changed, true",
            "SIM/*, SIM/, false",
            "SIM/*, SIMX/Updated, false",
            "Account/*, SIM/Updated, false",
            "*, Customer/Credit_Limit_Changed, true",
    })
    void matches(String pattern, String type, boolean expected) {
        assertThat(EventTypePattern.of(pattern).matches(type)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "SIM*", "*/Updated", "SIM/*/x", "S*M/Updated"})
    void malformedPatternsAreRefused(String pattern) {
        assertThatThrownBy(() -> EventTypePattern.of(pattern)).isInstanceOf(IllegalArgumentException.class);
    }
}
