package io.nsps.connector.dispatch;

import java.util.Objects;

/**
 * One entry of {@code EventHandler.eventTypes()}: an exact type, a prefix pattern ending in
 * {@code /*}, or {@code *}. Matching is case-sensitive, as PortaBilling's type names are.
 */
public final class EventTypePattern {

    private final String text;
    private final String prefix;

    private EventTypePattern(String text, String prefix) {
        this.text = text;
        this.prefix = prefix;
    }

    /** @throws IllegalArgumentException when a {@code *} stands anywhere but as the whole last segment */
    public static EventTypePattern of(String text) {
        Objects.requireNonNull(text, "text is null");
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("an event type pattern is empty");
        }
        if (trimmed.equals("*")) {
            return new EventTypePattern(trimmed, "");
        }
        int star = trimmed.indexOf('*');
        if (star < 0) {
            return new EventTypePattern(trimmed, null);
        }
        if (star != trimmed.length() - 1 || !trimmed.endsWith("/*") || trimmed.length() < 3) {
            throw new IllegalArgumentException("'" + trimmed + "' is not an event type pattern; write SIM/Updated, SIM/* or *");
        }
        return new EventTypePattern(trimmed, trimmed.substring(0, trimmed.length() - 1));
    }

    public boolean matches(String eventType) {
        if (prefix == null) {
            return text.equals(eventType);
        }
        return prefix.isEmpty() || eventType.length() > prefix.length() && eventType.startsWith(prefix);
    }

    @Override
    public String toString() {
        return text;
    }
}
