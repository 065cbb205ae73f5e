package io.nsps.connector.state;

import java.util.List;
import java.util.Map;

/**
 * How a finished delivery of an event was answered: enough to answer a later delivery of the same
 * event the same way. {@code status} 2xx means done (never provisioned again); anything else
 * means failed (the next delivery runs again).
 *
 * @param details the offending fields of an event refused for them (the answer's {@code details});
 *     kept by the memory store, not by the postgres store (a later delivery runs again anyway)
 */
public record EventRecord(int status, String outcome, String type, String message, String error, Map<String, String> headers,
                          List<FieldProblem> details) {

    /** One offending field of a refused event, by its JSON path, and what is wrong with it. */
    public record FieldProblem(String field, String problem) {
        public FieldProblem {
            field = StoredText.text(field, MAX_FIELD_CHARS);
            problem = StoredText.text(problem, MAX_FIELD_CHARS);
        }
    }

    /** Longest field path or problem kept in a detail. */
    static final int MAX_FIELD_CHARS = 300;

    /** Longest message or error kept: they quote what the sender sent, at any length. */
    static final int MAX_TEXT_CHARS = 1000;

    public EventRecord {
        message = StoredText.text(message, MAX_TEXT_CHARS);
        error = StoredText.text(error, MAX_TEXT_CHARS);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        details = details == null ? List.of() : List.copyOf(details);
    }

    public EventRecord(int status, String outcome, String type, String message, String error, Map<String, String> headers) {
        this(status, outcome, type, message, error, headers, List.of());
    }

    public boolean done() {
        return status >= 200 && status < 300;
    }
}
