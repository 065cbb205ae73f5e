package io.nsps.connector.logging;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The set of secret values known to this process (inbound tokens, handlers' credentials). Every log
 * line passes through {@link #mask} before it is written, so a secret that reaches a log message by
 * accident (an exception message, a library's debug output) is still never written.
 */
public final class SecretMasker {

    static final String MASK = "****";
    /** Shorter values would mask ordinary words; secrets that short are refused by configuration anyway. */
    private static final int MIN_LENGTH = 4;

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private SecretMasker() {
    }

    public static void register(String secret) {
        if (secret != null && secret.length() >= MIN_LENGTH) {
            SECRETS.add(secret);
        }
    }

    /** For rotating credentials: a replaced token is no longer carried by anything the process logs. */
    public static void unregister(String secret) {
        if (secret != null) {
            SECRETS.remove(secret);
        }
    }

    public static String mask(String text) {
        if (text == null || SECRETS.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : SECRETS) {
            if (masked.contains(secret)) {
                masked = masked.replace(secret, MASK);
            }
        }
        return masked;
    }
}
