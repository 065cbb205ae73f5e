package io.nsps.connector.spi.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.Optional;

/**
 * The connector's answer to one event, as NSPS receives it: the status, the JSON body
 * ({@code message}; on failure also {@code error} and {@code type}) and the headers.
 */
public record NspsAnswer(int status, String body, HttpHeaders headers) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The body's {@code message}. */
    public String message() {
        return json().path("message").asText(null);
    }

    /** The body's {@code error} (failures only). */
    public String error() {
        return json().path("error").asText(null);
    }

    /** The body's {@code type}, e.g. {@code validation_error} (failures only). */
    public String type() {
        return json().path("type").asText(null);
    }

    /** {@code Retry-After}, in seconds, when the answer has one. */
    public Optional<Long> retryAfterSeconds() {
        return headers.firstValue("Retry-After").map(Long::parseLong);
    }

    /** A 2xx: NSPS records the event as delivered. */
    public boolean accepted() {
        return status >= 200 && status < 300;
    }

    /**
     * Whether NSPS sends the event again: on anything but a 2xx or a 4xx (PortaBilling's event
     * sender never re-sends an event answered with a 4xx).
     */
    public boolean retriedByNsps() {
        return !accepted() && (status < 400 || status >= 500);
    }

    /** The body as a JSON tree. */
    public JsonNode json() {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("the connector's answer is not JSON: " + body, e);
        }
    }

    @Override
    public String toString() {
        return status + " " + body;
    }
}
