package io.nsps.connector.web;

import io.nsps.connector.logging.SecretMasker;

/**
 * The last step of every sentence an answer carries ({@code message}, {@code error}): NSPS stores it
 * and shows it to operators, and handlers quote upstream text in it. Known secrets are masked, and
 * control, format (bidi overrides, zero-width) and line/paragraph separator characters become spaces.
 */
final class AnswerText {

    private AnswerText() {
    }

    static String clean(String text) {
        if (text == null) {
            return null;
        }
        String masked = SecretMasker.mask(text);
        StringBuilder clean = null;
        for (int i = 0; i < masked.length(); i++) {
            char c = masked.charAt(i);
            if (isInvisible(c)) {
                if (clean == null) {
                    clean = new StringBuilder(masked.length()).append(masked, 0, i);
                }
                clean.append(' ');
            } else if (clean != null) {
                clean.append(c);
            }
        }
        return clean == null ? masked : clean.toString();
    }

    /** C0 and C1 controls, DEL, format characters (U+200E, U+202E, U+2066, ...), U+2028 and U+2029. */
    static boolean isInvisible(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }
}
