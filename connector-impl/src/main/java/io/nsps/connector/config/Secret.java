package io.nsps.connector.config;

import io.nsps.connector.logging.SecretMasker;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A value that must never be printed. {@link #toString()} masks it, and creating one registers the
 * value with {@link SecretMasker} so that no log line can carry it either.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        Objects.requireNonNull(value, "value is null");
        SecretMasker.register(value);
        return new Secret(value);
    }

    /** The secret itself: only for the code that sends or compares it. */
    public String reveal() {
        return value;
    }

    /** Stops masking the value: for short-lived tokens once they are replaced, so the mask set stays small. */
    public void forget() {
        SecretMasker.unregister(value);
    }

    public byte[] utf8() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "****";
    }
}
