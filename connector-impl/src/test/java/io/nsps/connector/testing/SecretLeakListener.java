package io.nsps.connector.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * When every test engine of the run has finished (Jupiter's tests and jqwik's properties alike),
 * checks every log line the connector wrote during the run ({@link LogCapture}) against every
 * secret a test gave it ({@link TestSecrets}), and writes the verdict to {@link #REPORT}; the
 * build's last test step, {@code SecretsNeverLoggedTest}, fails on it. Registered through
 * {@code META-INF/services}: it sees the whole run, whatever the order of the engines and classes.
 */
public final class SecretLeakListener implements TestExecutionListener {

    /** The verdict: {@code lines=<n>}, {@code secrets=<n>}, then one {@code leak ...} line per leaking secret. */
    public static final Path REPORT = Path.of("target", "secret-leak-check.txt");

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        List<String> lines = LogCapture.lines();
        if (lines.isEmpty()) {
            return; // a run that started no connector (the check's own): nothing to say, the last verdict stands
        }
        Set<String> secrets = TestSecrets.all();
        List<String> report = new ArrayList<>(List.of("lines=" + lines.size(), "secrets=" + secrets.size()));
        int index = 0;
        for (String secret : secrets) {
            index++;
            for (String line : lines) {
                if (line.contains(secret)) {
                    // The secret itself is not written: its place in the line is.
                    report.add("leak of secret #" + index + " (" + secret.length() + " characters) in: " + line.replace(secret, "<SECRET>"));
                    break;
                }
            }
        }
        try {
            Files.createDirectories(REPORT.getParent());
            Files.write(REPORT, report, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
