package io.nsps.connector.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one rule for a test whose precondition lies outside the project (a PostgreSQL server, a tool
 * from Debian, a second Java runtime, the git history): on a developer's machine that lacks it the
 * test is skipped, saying why; under CI ({@code CI=true}, as {@code .ci/run} sets it) it fails, so
 * that CI never loses a test silently.
 */
public final class MissingPrecondition {

    private MissingPrecondition() {
    }

    /** Whether this run is CI's ({@code CI=true}), where a missing precondition is a failure. */
    public static boolean underCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips the calling test, or fails it under CI, with {@code why}. */
    public static void skipOrFail(String why) {
        if (underCi()) {
            fail(why);
        }
        assumeTrue(false, why);
    }
}
