package io.nsps.connector.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a handler did not provision an event. The subtype decides the answer NSPS receives, and so
 * whether NSPS retries. PortaBilling's event sender never re-sends an event answered with a 4xx
 * (400, 401, 404, 405, 413, 415, 422, and 429 when the operator sets
 * {@code UPSTREAM_RATE_LIMIT_STATUS=429}); it re-sends every 5xx for up to a month. So only a
 * failure that can never pass, however often the event is re-sent, may be a 4xx:
 *
 * <table>
 *   <caption>Failure to answer</caption>
 *   <tr><th>subtype</th><th>status</th><th>type</th><th>NSPS</th></tr>
 *   <tr><td>{@link InvalidEventException}</td><td>422</td><td>validation_error</td><td>drops the event</td></tr>
 *   <tr><td>{@link EntityNotFoundException}</td><td>404</td><td>validation_error</td><td>drops the event</td></tr>
 *   <tr><td>{@link UpstreamAuthenticationException}</td><td>500</td><td>authentication_error</td><td>retries</td></tr>
 *   <tr><td>{@link UpstreamRateLimitedException}</td><td>503 + Retry-After (429 with
 *       {@code UPSTREAM_RATE_LIMIT_STATUS=429})</td><td>rate_limit_error</td><td>retries</td></tr>
 *   <tr><td>{@link UpstreamErrorException}</td><td>500</td><td>service_error</td><td>retries</td></tr>
 *   <tr><td>{@link UpstreamUnavailableException}</td><td>503 + Retry-After</td><td>connection_error</td><td>retries</td></tr>
 * </table>
 *
 * <p>When in doubt (an entity that may appear later, a refusal that may be lifted), throw a
 * retried failure: a 5xx costs a retry, a wrong 4xx costs the event.
 *
 * <p>The message is returned to NSPS and shown to operators: write a sentence a person can act on,
 * and never put a secret, an upstream URL or an upstream's raw response in it.
 */
public abstract sealed class HandlerException extends Exception
        permits InvalidEventException, EntityNotFoundException, UpstreamAuthenticationException,
                UpstreamRateLimitedException, UpstreamErrorException, UpstreamUnavailableException {

    private static final long serialVersionUID = 1L;

    protected HandlerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** How long the sender should wait before retrying, where the failure says so. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }
}
