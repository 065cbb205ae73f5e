package io.nsps.connector.logging;

import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

/**
 * Every string value of a JSON log line (message, MDC, arguments): known secrets masked, cut to
 * {@link LogText#MAX_FIELD_CHARS}. (The characters {@link LogText} escapes are escaped by the
 * encoder's JSON factory, {@link LoggingSetup#encoder}.)
 */
final class SecretValueMasker implements ValueMasker {

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String original = text.toString();
            String masked = LogText.cut(SecretMasker.mask(original), LogText.MAX_FIELD_CHARS);
            return masked.equals(original) ? null : masked;
        }
        return null;
    }
}
