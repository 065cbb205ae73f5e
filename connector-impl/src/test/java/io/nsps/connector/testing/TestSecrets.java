package io.nsps.connector.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every secret a test hands to the connector, so that the last test can check none was ever logged. */
public final class TestSecrets {

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private TestSecrets() {
    }

    public static String remember(String secret) {
        SECRETS.add(secret);
        return secret;
    }

    public static Set<String> all() {
        return Set.copyOf(SECRETS);
    }
}
