package io.nsps.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.LogCapture;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of this module (see junit-platform.properties): no line the
 * connector logged during the whole suite holds a secret any test gave it (inbound tokens, HLR
 * passwords and tokens, OAuth2 client secrets, private keys).
 */
@Order(Integer.MAX_VALUE)
final class SecretsNeverLoggedTest {

    @Test
    void noLogLineOfTheSuiteHoldsASecret() {
        TestSecrets.remember(RunningConnector.TOKEN);

        assertThat(LogCapture.lines()).as("log lines captured over the suite").hasSizeGreaterThan(100);
        assertThat(TestSecrets.all()).hasSizeGreaterThan(5);
        for (String secret : TestSecrets.all()) {
            assertThat(LogCapture.lines()).as("lines holding %s", secret).noneMatch(line -> line.contains(secret));
        }
    }
}
