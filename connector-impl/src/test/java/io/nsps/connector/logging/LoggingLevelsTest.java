package io.nsps.connector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The levels {@code LOG_LEVEL} sets, and the loggers it never opens. */
final class LoggingLevelsTest {

    @ParameterizedTest
    @EnumSource(LogLevel.class)
    void httpClientsHeadersAndWireAreNeverLoggedWhateverTheLevel(LogLevel level) {
        LoggerContext context = new LoggerContext();

        LoggingSetup.levels(context, level);

        // At DEBUG they would print the Authorization header of every upstream request.
        assertThat(context.getLogger("org.apache.hc.client5.http.headers").isErrorEnabled()).isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.wire").isErrorEnabled()).isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.impl.classic.InternalHttpClient").isDebugEnabled())
                .isEqualTo(level.compareTo(LogLevel.DEBUG) <= 0);
    }

    @Test
    void atInfoTheLibrariesChatterIsQuiet() {
        LoggerContext context = new LoggerContext();

        LoggingSetup.levels(context, LogLevel.INFO);

        assertThat(context.getLogger("io.nsps.connector").isInfoEnabled()).isTrue();
        assertThat(context.getLogger("org.glassfish.jersey").isInfoEnabled()).isFalse();
    }
}
