package io.nsps.connector.state;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How a key the sender chose (an event id, a subscriber) is kept in a state store, the same for
 * every store: compared exactly and bounded in size. (Other text is made storable by
 * {@code outcome.Texts}.)
 */
public final class StoredText {

    /** Keys longer than this are kept by their digest (an index entry, a memory store entry, stay small). */
    static final int MAX_PLAIN_KEY_CHARS = 200;
    static final String DIGEST_PREFIX = "sha256:";

    private StoredText() {
    }

    /**
     * An event id or subscriber as a store keeps it: itself when it is at most
     * {@value #MAX_PLAIN_KEY_CHARS} characters without NUL or surrogate; otherwise {@code sha256:}
     * and the hex SHA-256 of its UTF-16 code units, which tells apart any two different texts (lone
     * surrogates included) and is 71 characters. A text that itself starts with {@code sha256:} is
     * digested too, so that no id can pass for another's digest.
     */
    public static String key(String text) {
        if (text.length() <= MAX_PLAIN_KEY_CHARS && !text.startsWith(DIGEST_PREFIX)) {
            boolean plain = true;
            for (int i = 0; i < text.length() && plain; i++) {
                char c = text.charAt(i);
                plain = c != 0 && !Character.isSurrogate(c);
            }
            if (plain) {
                return text;
            }
        }
        byte[] units = new byte[text.length() * 2];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            units[2 * i] = (byte) (c >> 8);
            units[2 * i + 1] = (byte) c;
        }
        return DIGEST_PREFIX + HexFormat.of().formatHex(sha256(units));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

}
