package io.nsps.connector.auth;

import io.nsps.connector.web.ApiException;
import io.nsps.connector.web.Requests;
import io.nsps.connector.model.ErrorType;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Map;
import java.util.Objects;

/**
 * Every request but {@code GET /health} needs {@code Authorization: Bearer <token>}. Runs before
 * routing and before the body is read, so an unauthenticated caller learns nothing about paths or
 * methods (every such request gets the same 401) and costs no parsing.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public final class BearerAuthFilter implements ContainerRequestFilter {

    private static final String BEARER = "bearer ";

    private final TokenVerifier verifier;

    public BearerAuthFilter(TokenVerifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier is null");
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (Requests.isHealthCheck(request)) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank() || stripSpacesAndTabs(header).equalsIgnoreCase(BEARER.trim())) {
            throw unauthorized("Missing access token", "Bearer");
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthorized("Authorization must use the Bearer scheme", "Bearer");
        }
        // Only spaces and tabs may stand around the token (RFC 9110 OWS); any other character,
        // a control character included, is part of what is compared, so such a token is refused.
        String token = stripSpacesAndTabs(header.substring(BEARER.length()));
        if (token.isEmpty()) {
            throw unauthorized("Missing access token", "Bearer");
        }
        String rejection = verifier.rejectionReason(token);
        if (!rejection.isEmpty()) {
            throw unauthorized(rejection, "Bearer error=\"invalid_token\"");
        }
    }

    private static String stripSpacesAndTabs(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && (text.charAt(start) == ' ' || text.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return text.substring(start, end);
    }

    private static ApiException unauthorized(String message, String challenge) {
        return new ApiException(401, ErrorType.AUTHENTICATION_ERROR, message, "Unauthorized",
                Map.of(HttpHeaders.WWW_AUTHENTICATE, challenge));
    }
}
