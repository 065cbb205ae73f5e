package io.nsps.connector.handlers.hlr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Response;
import feign.codec.ErrorDecoder;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Turns every non-2xx answer into the SPI's failure hierarchy (carried out of Feign by
 * {@link HlrCallFailure}): 400/422 -> {@link InvalidEventException}, 429 ->
 * {@link UpstreamRateLimitedException} with the HLR's Retry-After, anything else (5xx, a 3xx, which
 * is never followed, 410, other 4xx) -> {@link UpstreamErrorException}. Three statuses whose meaning
 * depends on the call stay an {@link HlrStatusException} for the handler to decide: 401/403 (renew
 * the credentials and re-send once), 404 (a delete's "already absent") and 409 (an insert's
 * "already present"). The raw body never travels: it is read up to {@link #MAX_ERROR_BODY} bytes and
 * only its {@code error} or {@code message} field is kept, sanitised and capped.
 */
final class HlrErrorDecoder implements ErrorDecoder {

    static final int MAX_ERROR_BODY = 16 * 1024;
    static final int MAX_ERROR_TEXT = 200;
    private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://\\S+");
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}]+");

    private final ObjectMapper mapper;

    HlrErrorDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public Exception decode(String methodKey, Response response) {
        int status = response.status();
        String error = errorText(response);
        String detail = error.isEmpty() ? "" : ": " + error;
        return switch (status) {
            case 401, 403, 404, 409 -> new HlrStatusException(status, error, header(response, "Retry-After"), requestHeader(response, "Authorization"));
            case 400, 422 -> new HlrCallFailure(InvalidEventException.rejectedUpstream("The HLR refused the request (HTTP " + status + ")" + detail));
            case 429 -> new HlrCallFailure(new UpstreamRateLimitedException("The HLR is rate limiting the connector",
                    HlrHssHandler.retryAfter(header(response, "Retry-After"))));
            default -> new HlrCallFailure(new UpstreamErrorException("The HLR failed (HTTP " + status + ")" + detail, null));
        };
    }

    private String errorText(Response response) {
        if (response.body() == null) {
            return "";
        }
        try (InputStream in = response.body().asInputStream()) {
            byte[] body = in.readNBytes(MAX_ERROR_BODY);
            JsonNode json = mapper.readTree(body);
            if (json == null || !json.isObject()) {
                return "";
            }
            String text = json.path("error").isTextual() ? json.path("error").asText() : json.path("message").asText("");
            return sanitise(text);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** No URLs, no control characters, at most {@link #MAX_ERROR_TEXT} characters. */
    static String sanitise(String text) {
        String clean = CONTROL.matcher(URL.matcher(text).replaceAll("[url]")).replaceAll(" ").trim();
        return clean.length() <= MAX_ERROR_TEXT ? clean : clean.substring(0, MAX_ERROR_TEXT) + "...";
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
