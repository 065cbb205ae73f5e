package io.nsps.connector.web;

import io.nsps.connector.model.ErrorType;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/**
 * Cheap checks on an authenticated request before its body is read: the answer is always JSON
 * whatever {@code Accept} says; a body without {@code Content-Type} is read as JSON; compressed bodies are refused (never inflated, so no gzip bomb);
 * a declared length over the limit is refused without reading a byte. Chunked bodies are bounded
 * while they are read, by {@link EventBodyReader}.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION + 100)
public final class RequestGuardFilter implements ContainerRequestFilter {

    private final long maxBodyBytes;

    public RequestGuardFilter(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON);
        if (request.getHeaderString(HttpHeaders.CONTENT_TYPE) == null) {
            // NSPS always says application/json; a body that arrives without a type (a proxy dropped
            // it) is read as JSON rather than answered 415, which NSPS would never retry. A type
            // other than JSON is still a 415.
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }

        String encoding = request.getHeaderString(HttpHeaders.CONTENT_ENCODING);
        if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.trim())) {
            throw new ApiException(415, ErrorType.VALIDATION_ERROR, "Unsupported media type",
                    "Content-Encoding is not supported; send the JSON body uncompressed");
        }
        String declaredLength = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declaredLength != null && declaredLength.length() > 0 && declaredLength.chars().allMatch(Character::isDigit)
                && (declaredLength.length() > 18 || Long.parseLong(declaredLength) > maxBodyBytes)) {
            throw tooLarge(maxBodyBytes);
        }
    }

    static ApiException tooLarge(long maxBodyBytes) {
        return new ApiException(413, ErrorType.VALIDATION_ERROR, "Request body too large",
                "The body exceeds the limit of " + maxBodyBytes + " bytes");
    }
}
