package io.nsps.connector.dispatch;

import java.util.List;

/**
 * What happened to an accepted event.
 *
 * @param handlers the handlers that took it (empty when none declared its type)
 * @param processed whether a handler provisioned something (false: every taker ignored it, or none took it)
 * @param message the sentence NSPS stores with the event
 */
public record DispatchResult(List<String> handlers, boolean processed, String message) {

    public DispatchResult {
        handlers = List.copyOf(handlers);
    }
}
