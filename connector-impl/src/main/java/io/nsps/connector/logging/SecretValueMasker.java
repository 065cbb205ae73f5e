package io.nsps.connector.logging;

import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/** Masks registered secrets in every string value of a JSON log line (message, MDC, arguments). */
final class SecretValueMasker implements ValueMasker {

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String original = text.toString();
            String masked = SecretMasker.mask(original);
            return masked.equals(original) ? null : masked;
        }
        return null;
    }
}
