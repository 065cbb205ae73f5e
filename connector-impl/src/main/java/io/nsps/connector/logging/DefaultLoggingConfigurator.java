package io.nsps.connector.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration until {@link LoggingSetup#configure} applies {@code LOG_FORMAT} and
 * {@code LOG_LEVEL}: JSON at INFO, built in code (found through {@code META-INF/services}) instead
 * of a logback.xml, whose XML parsing took about 150 ms of every start-up.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultLoggingConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LoggingSetup.apply(context, LogFormat.JSON, LogLevel.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
