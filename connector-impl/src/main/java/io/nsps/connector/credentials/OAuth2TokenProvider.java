package io.nsps.connector.credentials;

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
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import io.nsps.connector.config.Secret;
import io.nsps.connector.logging.SecretMasker;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code oauth2}: access tokens from a token endpoint (client credentials or password grant, the
 * client authenticated with HTTP Basic), through Nimbus OAuth 2.0 SDK.
 *
 * <ul>
 *   <li>The token is cached and renewed shortly before it expires (10% of its lifetime, at most 30 s).</li>
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

    private final String settingsPrefix;
    private final URI tokenEndpoint;
    private final ClientSecretBasic clientAuthentication;
    private final Scope scope;
    private final AuthorizationGrant grant;
    private final Duration timeout;
    private final Clock clock;
    private final ReentrantLock renewal = new ReentrantLock();
    private volatile CachedToken current;

    private record CachedToken(Secret authorization, Instant renewAt, RefreshToken refreshToken) {
        boolean usable(Instant now) {
            return renewAt == null || now.isBefore(renewAt);
        }
    }

    OAuth2TokenProvider(String settingsPrefix, URI tokenEndpoint, String clientId, Secret clientSecret, String scope,
                        AuthorizationGrant grant, Duration timeout, Clock clock) {
        this.settingsPrefix = settingsPrefix;
        this.tokenEndpoint = tokenEndpoint;
        this.clientAuthentication = new ClientSecretBasic(new ClientID(clientId),
                new com.nimbusds.oauth2.sdk.auth.Secret(clientSecret.reveal()));
        this.scope = scope == null ? null : Scope.parse(scope);
        this.grant = grant;
        this.timeout = timeout;
        this.clock = clock;
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
        CachedToken token = current;
        if (token != null && token.usable(clock.instant())) {
            return token.authorization().reveal();
        }
        renewal.lock();
        try {
            token = current;
            if (token != null && token.usable(clock.instant())) {
                return token.authorization().reveal();
            }
            CachedToken renewed = renew(token);
            current = renewed;
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
        renewal.lock();
        try {
            CachedToken token = current;
            if (token != null && token.authorization().reveal().equals(authorization)) {
                // Keep the refresh token: the access token is what was refused.
                current = new CachedToken(token.authorization(), clock.instant(), token.refreshToken());
            }
            return true;
        } finally {
            renewal.unlock();
        }
    }

    private CachedToken renew(CachedToken previous) throws HandlerException {
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
            throw new UpstreamUnavailableException("The token endpoint refused the connector's credentials (" + e.getMessage() + ")",
                    RETRY_AFTER_REFUSED_GRANT, null);
        }
    }

    private CachedToken request(AuthorizationGrant requestGrant, RefreshToken usedRefreshToken) throws HandlerException, GrantRefusedException {
        HTTPRequest http = new TokenRequest(tokenEndpoint, clientAuthentication, requestGrant,
                requestGrant instanceof RefreshTokenGrant ? null : scope).toHTTPRequest();
        http.setConnectTimeout((int) timeout.toMillis());
        http.setReadTimeout((int) timeout.toMillis());
        http.setFollowRedirects(false);
        TokenResponse response;
        try {
            response = TokenResponse.parse(http.send());
        } catch (IOException e) {
            throw new UpstreamUnavailableException("The token endpoint is unreachable", null, e);
        } catch (ParseException e) {
            throw new UpstreamUnavailableException("The token endpoint answered something that is not a token response", null, e);
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
        RefreshToken refreshToken = tokens.getTokens().getRefreshToken() != null ? tokens.getTokens().getRefreshToken() : usedRefreshToken;
        if (refreshToken != null) {
            SecretMasker.register(refreshToken.getValue());
        }
        Instant renewAt = null;
        if (accessToken.getLifetime() > 0) {
            Duration lifetime = Duration.ofSeconds(accessToken.getLifetime());
            Duration margin = lifetime.dividedBy(10).compareTo(MAX_RENEWAL_MARGIN) < 0 ? lifetime.dividedBy(10) : MAX_RENEWAL_MARGIN;
            renewAt = clock.instant().plus(lifetime).minus(margin);
        }
        return new CachedToken(Secret.of("Bearer " + accessToken.getValue()), renewAt, refreshToken);
    }

    /** The token endpoint answered with an OAuth2 error (invalid_grant, invalid_client, ...). */
    private static final class GrantRefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        GrantRefusedException(String code) {
            super(code, null, false, false);
        }
    }
}
