package io.nsps.connector.handlers.hlr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import feign.Response;
import feign.codec.ErrorDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Turns every non-2xx answer into an {@link HlrStatusException} with what the handler needs (the
 * status, the upstream's error text sanitised and capped, Retry-After, the credentials used), and
 * never the raw body: it is read up to {@link #MAX_ERROR_BODY} bytes and only its {@code error}
 * or {@code message} field is kept.
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
        return new HlrStatusException(response.status(), errorText(response), header(response, "Retry-After"),
                requestHeader(response, "Authorization"));
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
