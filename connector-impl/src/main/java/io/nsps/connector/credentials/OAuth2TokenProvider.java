package io.nsps.connector.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResourceOwnerPasswordCredentialsGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import io.nsps.connector.config.Secret;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code oauth2}: access tokens from a token endpoint (client credentials or password grant, the
 * client authenticated with HTTP Basic), through Nimbus OAuth 2.0 SDK.
 *
 * <ul>
 *   <li>The token is cached and renewed shortly before it expires (10% of its lifetime, at most 30 s).
 *       {@code expires_in} is believed up to 24 h; missing, 60 s are assumed; zero, negative or not
 *       a number, or an empty {@code access_token}, make the answer broken: 503, nothing cached.</li>
 *   <li>Each token request is bounded: the whole exchange within {@code OAUTH_TIMEOUT}, the answer
 *       read up to 64 KiB; callers waiting for another's renewal give up after that bound too.</li>
 *   <li>Renewal uses the refresh token when one was issued (keeping a rotated one), and falls back
 *       to a full grant when the refresh is refused.</li>
 *   <li>Single flight: however many events need a token at once, one request is made; the others
 *       wait for it. Refresh-token rotation makes this mandatory (reusing a rotated refresh token
 *       revokes the whole family, RFC 9700 4.14).</li>
 *   <li>A token the external system refused is dropped, once, whoever noticed first.</li>
 *   <li>A refused grant (wrong client secret, revoked client) is an operator's problem: logged at
 *       ERROR and answered 503, so NSPS keeps the event until the credentials are fixed.</li>
 * </ul>
 */
final class OAuth2TokenProvider implements UpstreamCredentials {

    private static final Logger LOG = LoggerFactory.getLogger(OAuth2TokenProvider.class);
    private static final Duration MAX_RENEWAL_MARGIN = Duration.ofSeconds(30);
    private static final Duration RETRY_AFTER_REFUSED_GRANT = Duration.ofSeconds(60);
    /** A token answer is a few hundred bytes; a longer one is refused as broken, unread beyond this. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** The lifetime of a token whose answer has no expires_in (RFC 6749 makes it optional). */
    static final Duration ASSUMED_LIFETIME = Duration.ofSeconds(60);
    /** The longest lifetime believed: a larger expires_in (up to 1e30 seen) is cut to it. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** Waiting for another caller's renewal: its own bound, and this much more. */
    private static final long LOCK_WAIT_MARGIN_MS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String settingsPrefix;
    private final URI tokenEndpoint;
    private final ClientSecretBasic clientAuthentication;
    private final Scope scope;
    private final AuthorizationGrant grant;
    private final Duration timeout;
    private final Clock clock;
    private final ReentrantLock renewal = new ReentrantLock();
    private final AtomicReference<CachedToken> current = new AtomicReference<>();
    private final HttpClient http;
    private final Consumer<String> renewals;

    private record CachedToken(Secret authorization, Instant renewAt, RefreshToken refreshToken) {
        boolean usable(Instant now) {
            return renewAt == null || now.isBefore(renewAt);
        }
    }

    OAuth2TokenProvider(String settingsPrefix, URI tokenEndpoint, String clientId, Secret clientSecret, String scope,
                        AuthorizationGrant grant, Duration timeout, Clock clock) {
        this(settingsPrefix, tokenEndpoint, clientId, clientSecret, scope, grant, timeout, clock, result -> { });
    }

    /** @param renewals told of every token request: {@code ok}, {@code refused} (the grant), {@code failed} */
    OAuth2TokenProvider(String settingsPrefix, URI tokenEndpoint, String clientId, Secret clientSecret, String scope,
                        AuthorizationGrant grant, Duration timeout, Clock clock, Consumer<String> renewals) {
        this.renewals = renewals;
        this.settingsPrefix = settingsPrefix;
        this.tokenEndpoint = tokenEndpoint;
        this.clientAuthentication = new ClientSecretBasic(new ClientID(clientId),
                new com.nimbusds.oauth2.sdk.auth.Secret(clientSecret.reveal()));
        this.scope = scope == null ? null : Scope.parse(scope);
        this.grant = grant;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    static AuthorizationGrant clientCredentials() {
        return new ClientCredentialsGrant();
    }

    static AuthorizationGrant password(String username, Secret password) {
        return new ResourceOwnerPasswordCredentialsGrant(username, new com.nimbusds.oauth2.sdk.auth.Secret(password.reveal()));
    }

    @Override
    public String scheme() {
        return "oauth2";
    }

    @Override
    public String authorization() throws HandlerException {
        CachedToken token = current.get();
        if (token != null && token.usable(clock.instant())) {
            return token.authorization().reveal();
        }
        // Waiting callers give up after the token request's own bound (and when interrupted: the
        // event's deadline passed), so a hanging token endpoint never piles threads up behind the lock.
        try {
            if (!renewal.tryLock(timeout.toMillis() + LOCK_WAIT_MARGIN_MS, TimeUnit.MILLISECONDS)) {
                throw new UpstreamUnavailableException("The token endpoint did not answer in time", null, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamUnavailableException("Interrupted while waiting for an access token", null, e);
        }
        try {
            token = current.get();
            if (token != null && token.usable(clock.instant())) {
                return token.authorization().reveal();
            }
            CachedToken renewed = renew(token);
            current.set(renewed);
            if (token != null) {
                // Replaced tokens leave the log mask, so it does not grow with every renewal.
                token.authorization().forget();
                if (token.refreshToken() != null && !token.refreshToken().equals(renewed.refreshToken())) {
                    SecretMasker.unregister(token.refreshToken().getValue());
                }
            }
            return renewed.authorization().reveal();
        } finally {
            renewal.unlock();
        }
    }

    @Override
    public boolean refused(String authorization) {
        CachedToken token = current.get();
        if (token != null && token.authorization().reveal().equals(authorization)) {
            // Keep the refresh token: the access token is what was refused. Whoever noticed first
            // marks it; a token renewed meanwhile is left alone.
            current.compareAndSet(token, new CachedToken(token.authorization(), clock.instant(), token.refreshToken()));
        }
        return true;
    }

    /** A renewal, told to {@link #renewals} as {@code ok}, {@code refused} (the grant) or {@code failed}. */
    private CachedToken renew(CachedToken previous) throws HandlerException {
        String result = "failed";
        try {
            CachedToken renewed = renewOnce(previous);
            result = "ok";
            return renewed;
        } catch (GrantRefusedAlert e) {
            result = "refused";
            throw e.failure;
        } finally {
            renewals.accept(result);
        }
    }

    /** A refused grant, carrying the failure NSPS is answered with, out of {@link #renewOnce}. */
    private static final class GrantRefusedAlert extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient UpstreamUnavailableException failure;

        GrantRefusedAlert(UpstreamUnavailableException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    private CachedToken renewOnce(CachedToken previous) throws HandlerException, GrantRefusedAlert {
        if (previous != null && previous.refreshToken() != null) {
            try {
                return request(new RefreshTokenGrant(previous.refreshToken()), previous.refreshToken());
            } catch (GrantRefusedException e) {
                LOG.info("OAuth2 refresh token refused by the token endpoint ({}); requesting a new grant", e.getMessage());
            }
        }
        try {
            return request(grant, null);
        } catch (GrantRefusedException e) {
            LOG.error("ALERT: the OAuth2 token endpoint refused the credentials in {}OAUTH_* ({}); events wait until they are fixed",
                    settingsPrefix, e.getMessage());
            throw new GrantRefusedAlert(new UpstreamUnavailableException("The token endpoint refused the connector's credentials ("
                    + e.getMessage() + ")", RETRY_AFTER_REFUSED_GRANT, null));
        }
    }

    private CachedToken request(AuthorizationGrant requestGrant, RefreshToken usedRefreshToken) throws HandlerException, GrantRefusedException {
        HTTPRequest request = new TokenRequest(tokenEndpoint, clientAuthentication, requestGrant,
                requestGrant instanceof RefreshTokenGrant ? null : scope).toHTTPRequest();
        HTTPResponse answer = send(request);
        TokenResponse response;
        try {
            response = TokenResponse.parse(answer);
        } catch (ParseException e) {
            throw brokenResponse("not a token response");
        }
        if (!response.indicatesSuccess()) {
            ErrorObject error = response.toErrorResponse().getErrorObject();
            int status = error.getHTTPStatusCode();
            if (status >= 500 || status == 429) {
                throw new UpstreamUnavailableException("The token endpoint failed (HTTP " + status + ")", null, null);
            }
            throw new GrantRefusedException(error.getCode() == null ? "HTTP " + status : error.getCode());
        }
        AccessTokenResponse tokens = response.toSuccessResponse();
        var accessToken = tokens.getTokens().getAccessToken();
        if (accessToken.getValue() == null || accessToken.getValue().isBlank()) {
            throw brokenResponse("an empty access_token");
        }
        Duration lifetime = lifetime(answer.getBody());
        RefreshToken refreshToken = tokens.getTokens().getRefreshToken() != null ? tokens.getTokens().getRefreshToken() : usedRefreshToken;
        if (refreshToken != null) {
            SecretMasker.register(refreshToken.getValue());
        }
        Duration margin = lifetime.dividedBy(10).compareTo(MAX_RENEWAL_MARGIN) < 0 ? lifetime.dividedBy(10) : MAX_RENEWAL_MARGIN;
        return new CachedToken(Secret.of("Bearer " + accessToken.getValue()), clock.instant().plus(lifetime).minus(margin), refreshToken);
    }

    private UpstreamUnavailableException notAnsweredInTime() {
        return new UpstreamUnavailableException("The token endpoint did not answer within " + timeout.toMillis() + " ms", null, null);
    }

    /**
     * Sends the token request with java.net.http: the whole exchange within OAUTH_TIMEOUT (a
     * dripping answer included), the answer read up to {@link #MAX_RESPONSE_BYTES}, no redirect.
     */
    private HTTPResponse send(HTTPRequest request) throws UpstreamUnavailableException {
        String body = request.getBody();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(request.getURL().toString()))
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body, StandardCharsets.UTF_8));
        request.getHeaderMap().forEach((name, values) -> values.forEach(value -> builder.header(name, value)));
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(builder.build(), info -> new BoundedBody(MAX_RESPONSE_BYTES));
        HttpResponse<byte[]> answer;
        try {
            answer = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw notAnsweredInTime();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new UpstreamUnavailableException("Interrupted while requesting an access token", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BoundedBody.TooLargeException) {
                throw brokenResponse("an answer over " + MAX_RESPONSE_BYTES + " bytes");
            }
            if (e.getCause() instanceof HttpTimeoutException && !(e.getCause() instanceof HttpConnectTimeoutException)) {
                // The request's own timeout, the same bound as the wait above: whichever fires first
                // (a connection not made in time is the endpoint unreachable, below).
                throw notAnsweredInTime();
            }
            throw new UpstreamUnavailableException("The token endpoint is unreachable", null, e.getCause());
        }
        HTTPResponse response = new HTTPResponse(answer.statusCode());
        answer.headers().firstValue("Content-Type").ifPresent(type -> response.setHeader("Content-Type", type));
        response.setBody(new String(answer.body(), StandardCharsets.UTF_8));
        return response;
    }

    /**
     * The token's lifetime from {@code expires_in}: missing, it is taken as {@link #ASSUMED_LIFETIME};
     * beyond {@link #MAX_LIFETIME} it is cut to it; zero, negative or not a number is a broken answer.
     */
    private static Duration lifetime(String body) throws UpstreamUnavailableException {
        JsonNode expiresIn;
        try {
            expiresIn = JSON.readTree(body).path("expires_in");
        } catch (IOException | RuntimeException e) {
            throw brokenResponse("not JSON");
        }
        if (expiresIn.isMissingNode() || expiresIn.isNull()) {
            return ASSUMED_LIFETIME;
        }
        double seconds;
        if (expiresIn.isNumber()) {
            seconds = expiresIn.doubleValue();
        } else if (expiresIn.isTextual() && expiresIn.asText().matches("\\d{1,18}")) {
            seconds = Double.parseDouble(expiresIn.asText());
        } else {
            throw brokenResponse("an expires_in that is not a number of seconds");
        }
        if (!(seconds >= 1)) {
            throw brokenResponse("an expires_in of " + expiresIn.asText() + " seconds");
        }
        return seconds >= MAX_LIFETIME.toSeconds() ? MAX_LIFETIME : Duration.ofSeconds((long) seconds);
    }

    private static UpstreamUnavailableException brokenResponse(String what) {
        return new UpstreamUnavailableException("The token endpoint answered " + what + "; retrying later", null, null);
    }

    /** The token endpoint answered with an OAuth2 error (invalid_grant, invalid_client, ...). */
    private static final class GrantRefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        GrantRefusedException(String code) {
            super(code, null, false, false);
        }
    }
}
