package io.nsps.connector.spi;

/**
 * The credentials a handler presents to its external system, configured under the handler's
 * prefix ({@code <P>_AUTH=none|basic|bearer|oauth2|jwt} and the settings of that scheme) and
 * validated at start-up with every other setting. Thread-safe; independent of any HTTP client
 * (the built-in handlers adapt it to a Feign interceptor).
 *
 * <p>Use: put {@link #authorization()} into the request's {@code Authorization} header; when the
 * external system answers 401 or 403, call {@link #refused} with that same value and, if it returns
 * true, send the request once more with a fresh {@link #authorization()}. A request the external
 * system refused for its credentials was not processed, so that one re-send cannot provision twice.
 */
public interface UpstreamCredentials {

    /** The configured scheme: {@code none}, {@code basic}, {@code bearer}, {@code oauth2} or {@code jwt}. */
    String scheme();

    /**
     * The {@code Authorization} header value to send now ({@code Basic ...} or {@code Bearer ...}),
     * or null for {@code none}. May block to obtain a token (single-flight: concurrent callers
     * wait for one token request), bounded by the token endpoint's timeouts.
     *
     * @throws UpstreamUnavailableException the token endpoint is unreachable, or refuses the grant
     *     (an operator must fix the credentials; the event is retried meanwhile)
     */
    String authorization() throws HandlerException;

    /**
     * The external system refused {@code authorization}: forget it.
     *
     * @return true when fresh credentials may differ (an OAuth2 token, a signed JWT) so one re-send
     *     is worth it; false for static credentials
     */
    boolean refused(String authorization);
}
