package io.nsps.connector.feign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Response;
import feign.codec.ErrorDecoder;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.time.Duration;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Collection;
import java.util.Set;

/**
 * Turns every non-2xx answer into the SPI's failures (carried out of Feign by {@link CallFailure}):
 * 400/422 -> {@link InvalidEventException} (the system refuses the content: permanent), 429 ->
 * {@link UpstreamRateLimitedException} with the system's {@code Retry-After}, 503 ->
 * {@link UpstreamUnavailableException} with its {@code Retry-After}, anything else (other 5xx, a
 * 3xx, which is never followed, other 4xx) -> {@link UpstreamErrorException} (retried). A
 * 401/403 goes to the credentials protocol, and a status the handler decides itself stays an
 * {@link UpstreamStatusException}. The raw body never travels: it is read up to
 * {@link UpstreamErrors#MAX_ERROR_BODY} bytes and only its {@code error} or {@code message} field
 * is kept, sanitised and capped.
 */
final class StatusErrorDecoder implements ErrorDecoder {

    private final String system;
    private final Set<Integer> decidedByCaller;
    private final ObjectMapper mapper;
    private final Clock clock;

    StatusErrorDecoder(String system, Set<Integer> decidedByCaller, ObjectMapper mapper, Clock clock) {
        this.system = system;
        this.decidedByCaller = decidedByCaller;
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public Exception decode(String methodKey, Response response) {
        int status = response.status();
        String error = errorText(response);
        String detail = error.isEmpty() ? "" : ": " + error;
        if (status == 401 || status == 403 || decidedByCaller.contains(status)) {
            return CallFailure.of(new UpstreamStatusException(status, error, requestHeader(response, "Authorization")));
        }
        return switch (status) {
            case 400, 422 -> CallFailure.of(InvalidEventException.rejectedUpstream("The " + system + " refused the request (HTTP " + status + ")" + detail));
            case 429 -> CallFailure.of(new UpstreamRateLimitedException("The " + system + " is rate limiting the connector",
                    UpstreamErrors.retryAfter(header(response, "Retry-After"), clock.instant())));
            // Unavailable for now, by its own word: retried, after its Retry-After when it gave one.
            case 503 -> CallFailure.of(new UpstreamUnavailableException("The " + system + " is unavailable (HTTP 503)" + detail,
                    retryAfterOrDefault(UpstreamErrors.retryAfter(header(response, "Retry-After"), clock.instant())), null));
            default -> CallFailure.of(new UpstreamErrorException("The " + system + " failed (HTTP " + status + ")" + detail, null));
        };
    }

    private static Duration retryAfterOrDefault(Duration retryAfter) {
        return retryAfter != null ? retryAfter : UpstreamClient.DEFAULT_RETRY_AFTER;
    }

    private String errorText(Response response) {
        if (response.body() == null) {
            return "";
        }
        try (InputStream in = response.body().asInputStream()) {
            byte[] body = in.readNBytes(UpstreamErrors.MAX_ERROR_BODY);
            JsonNode json = mapper.readTree(body);
            if (json == null || !json.isObject()) {
                return "";
            }
            String text = json.path("error").isTextual() ? json.path("error").asText() : json.path("message").asText("");
            return UpstreamErrors.sanitise(text);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String header(Response response, String name) {
        for (var entry : response.headers().entrySet()) {
            if (entry.getKey() != null && entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
                return entry.getValue().iterator().next();
            }
        }
        return null;
    }

    private static String requestHeader(Response response, String name) {
        if (response.request() == null) {
            return null;
        }
        for (var entry : response.request().headers().entrySet()) {
            Collection<String> values = entry.getValue();
            if (entry.getKey().equalsIgnoreCase(name) && !values.isEmpty()) {
                return values.iterator().next();
            }
        }
        return null;
    }
}
