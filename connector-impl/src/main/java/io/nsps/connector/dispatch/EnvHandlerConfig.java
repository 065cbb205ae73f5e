package io.nsps.connector.dispatch;

import io.nsps.connector.config.EnvironmentReader;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.spi.HandlerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A handler's settings from the environment, under its prefix; problems go to the shared list. */
final class EnvHandlerConfig implements HandlerConfig {

    private final String prefix;
    private final EnvironmentReader reader;

    EnvHandlerConfig(String prefix, EnvironmentReader reader) {
        this.prefix = prefix;
        this.reader = reader;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public Optional<String> get(String key) {
        return reader.get(prefix + key);
    }

    @Override
    public String require(String key) {
        return reader.require(prefix + key);
    }

    @Override
    public Optional<String> secret(String key) {
        Optional<String> secret = reader.secret(prefix + key);
        secret.ifPresent(SecretMasker::register);
        return secret;
    }

    @Override
    public Duration duration(String key, Duration defaultValue) {
        return reader.duration(prefix + key, defaultValue);
    }

    @Override
    public long number(String key, long defaultValue, long min, long max) {
        return reader.number(prefix + key, defaultValue, min, max);
    }

    @Override
    public List<String> list(String key, List<String> defaultValue) {
        return reader.list(prefix + key, defaultValue);
    }

    @Override
    public void reportProblem(String key, String problem) {
        reader.problem(prefix + key + ": " + problem);
    }
}
