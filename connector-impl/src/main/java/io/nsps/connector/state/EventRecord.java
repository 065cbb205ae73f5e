package io.nsps.connector.state;

import java.util.Map;

/**
 * How a finished delivery of an event was answered: enough to answer a later delivery of the same
 * event the same way. {@code status} 2xx means done (never provisioned again); anything else
 * means failed (the next delivery runs again).
 */
public record EventRecord(int status, String outcome, String type, String message, String error, Map<String, String> headers) {

    /** Longest message or error kept: they quote what the sender sent, at any length. */
    static final int MAX_TEXT_CHARS = 1000;

    public EventRecord {
        message = StoredText.text(message, MAX_TEXT_CHARS);
        error = StoredText.text(error, MAX_TEXT_CHARS);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public boolean done() {
        return status >= 200 && status < 300;
    }
}
