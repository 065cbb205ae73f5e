package io.nsps.connector.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of the connector is: its Maven version, the git commit it was built from, and
 * when (written into {@code build.properties} by the build). Shown by {@code --version}, in the
 * start-up line and in {@code /health}'s body.
 */
public record BuildInfo(String version, String commit, boolean dirty, String built) {

    private static final BuildInfo CURRENT = read();

    public static BuildInfo current() {
        return CURRENT;
    }

    /** {@code 0.2.0 (commit 6d1ee47a1b, built 2026-12-02T02:40:00Z)}; a dirty tree's commit gets {@code +changes}. */
    public String describe() {
        return version + " (commit " + commit + (dirty ? "+changes" : "") + ", built " + built + ")";
    }

    private static BuildInfo read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(properties.getProperty("version", "unknown"), properties.getProperty("commit", "unknown"),
                Boolean.parseBoolean(properties.getProperty("dirty", "false")), properties.getProperty("built", "unknown"));
    }
}
