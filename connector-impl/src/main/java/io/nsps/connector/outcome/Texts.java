package io.nsps.connector.outcome;

/** Text kept for people (an event type, an outcome's message), storable by any state store. */
public final class Texts {

    private Texts() {
    }

    /**
     * NUL and lone surrogates become U+FFFD (PostgreSQL's {@code text} holds no NUL, UTF-8 has no
     * form for a lone surrogate), and the text is cut to {@code maxChars} (never in the middle of a
     * surrogate pair), with "..." marking the cut.
     */
    public static String storable(String text, int maxChars) {
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
}
