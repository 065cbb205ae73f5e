package io.nsps.connector.dispatch;

import java.util.List;

/**
 * What happened to an accepted event.
 *
 * @param handlers the handlers that took it (empty when none declared its type)
 * @param outcome {@code processed}, or {@code ignored} when no handler provisioned anything
 * @param message the sentence NSPS stores with the event
 */
public record DispatchResult(List<String> handlers, String outcome, String message) {

    public DispatchResult {
        handlers = List.copyOf(handlers);
    }
}
