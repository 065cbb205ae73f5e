package io.nsps.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.SecretLeakListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Run on its own after the whole suite (the pom's second test execution): no line the connector
 * logged during the suite, in any test engine, holds a secret any test gave it (inbound tokens, HLR
 * passwords and tokens, OAuth2 client secrets, private keys). {@link SecretLeakListener} made the
 * check when the suite ended; this reads its verdict.
 */
final class SecretsNeverLoggedTest {

    @Test
    void noLogLineOfTheSuiteHoldsASecret() throws Exception {
        assertThat(SecretLeakListener.REPORT).as("the verdict of the suite that ran before").exists();
        List<String> report = Files.readAllLines(SecretLeakListener.REPORT, StandardCharsets.UTF_8);

        assertThat(report.get(0)).as("log lines captured over the suite").matches("lines=[1-9]\\d*");
        assertThat(report.get(1)).as("secrets the suite used").matches("secrets=[1-9]\\d*");
        assertThat(report.subList(2, report.size())).as("secrets found in log lines").isEmpty();
    }
}
