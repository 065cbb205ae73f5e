package io.nsps.connector.logging;

/**
 * What becomes of text on its way into a log line. Every value the sender controls (ids, types,
 * paths, subscriber numbers) reaches the log through these rules, in both formats:
 *
 * <ul>
 *   <li>cut: a value the connector logs is cut to {@link #MAX_VALUE_CHARS} by the code that logs it
 *       ({@link #bounded}); anything longer than {@link #MAX_FIELD_CHARS} is cut by the encoder, so no
 *       line is ever megabytes long whatever a handler logs;</li>
 *   <li>masked: known secrets ({@link SecretMasker});</li>
 *   <li>escaped: with {@code LOG_FORMAT=text}, every control (C0, C1, DEL: so CR, LF and ANSI escape
 *       sequences), format (bidi overrides, zero-width) and line or paragraph separator character is
 *       written as {@code \\uXXXX} ({@code \\n}, {@code \\r}, {@code \\t} for those three), so a value
 *       can neither forge a line nor hide text; in JSON the encoder escapes the same characters.</li>
 * </ul>
 */
public final class LogText {

    /** The longest sender-controlled value in a log line written by the connector. */
    public static final int MAX_VALUE_CHARS = 200;
    /** The longest field of any log line (a message, an argument, an MDC value). */
    public static final int MAX_FIELD_CHARS = 4096;

    private LogText() {
    }

    /** A sender-controlled value, cut to {@link #MAX_VALUE_CHARS} with the number of characters left out. */
    public static String bounded(String value) {
        return cut(value, MAX_VALUE_CHARS);
    }

    static String cut(String value, int max) {
        if (value == null || value.length() <= max) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
        return value.substring(0, end) + "...(" + (value.length() - end) + " more characters)";
    }

    /** Whether a character is escaped: controls, format characters, line and paragraph separators. */
    static boolean needsEscape(int c) {
        if (c >= 0x20 && c < 0x7f) {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** For {@code LOG_FORMAT=text}: masked, cut to {@link #MAX_FIELD_CHARS}, and escaped. */
    static String forText(String text) {
        String value = cut(SecretMasker.mask(text), MAX_FIELD_CHARS);
        if (value == null) {
            return "null";
        }
        StringBuilder escaped = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (needsEscape(c)) {
                if (escaped == null) {
                    escaped = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                switch (c) {
                    case '\n' -> escaped.append("\\n");
                    case '\r' -> escaped.append("\\r");
                    case '\t' -> escaped.append("\\t");
                    default -> escaped.append(String.format("\\u%04X", (int) c));
                }
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? value : escaped.toString();
    }
}
