package io.nsps.connector.state;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How text the sender chose is kept in a state store, the same for every store: keys compared
 * exactly and bounded in size, other text storable anywhere (PostgreSQL's {@code text} holds no
 * NUL, and UTF-8 has no form for a lone UTF-16 surrogate).
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

    /**
     * Text kept for people (an event type, an answer's message): NUL and lone surrogates become
     * U+FFFD, and it is cut to {@code maxChars} (never in the middle of a surrogate pair).
     */
    public static String text(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        StringBuilder clean = null;
        int length = Math.min(text.length(), maxChars);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean bad = c == 0
                    || Character.isHighSurrogate(c) && (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
            if (bad && clean == null) {
                clean = new StringBuilder(length).append(text, 0, i);
            }
            if (clean != null) {
                clean.append(bad ? '\uFFFD' : c);
            }
        }
        if (length < text.length() && Character.isHighSurrogate(text.charAt(length - 1))) {
            // The pair's second half is cut off: keep neither.
            if (clean != null) {
                clean.setLength(clean.length() - 1);
            } else {
                length--;
            }
        }
        String kept = clean != null ? clean.toString() : length == text.length() ? text : text.substring(0, length);
        return length < text.length() ? kept + "..." : kept;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

}
