package io.nsps.connector.auth;

import static io.nsps.connector.testing.RunningConnector.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.testing.HttpAnswer;
import io.nsps.connector.testing.ProbeHandlerFactory;
import io.nsps.connector.testing.RunningConnector;
import io.nsps.connector.testing.TestSecrets;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Static Bearer tokens: refused before anything else happens. */
final class AuthenticationTest {

    private static final String CURRENT = "current-token-5a0c2f8b";
    private static final String NEXT = "next-token-77e1d93c";
    private static RunningConnector connector;

    @BeforeAll
    static void start() {
        TestSecrets.remember(CURRENT);
        TestSecrets.remember(NEXT);
        connector = RunningConnector.start(Map.of("API_TOKEN", CURRENT + ", " + NEXT));
    }

    @AfterAll
    static void stop() {
        connector.close();
    }

    @Test
    void onlySpacesAndTabsMayStandAroundTheToken() {
        String event = sample("minimal-valid.json");
        java.util.function.Function<String, io.nsps.connector.testing.RawHttp.Answer> withAuthorization = value ->
                io.nsps.connector.testing.RawHttp.exchange(connector.server().port(), "POST " + connector.eventsPath()
                        + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " + value + "\r\nContent-Length: "
                        + event.length() + "\r\nConnection: close\r\n\r\n" + event);

        assertThat(withAuthorization.apply("Bearer \t" + CURRENT + " \t").status()).isEqualTo(202);
        // A control character anywhere in the head is a malformed request; a non-ASCII one is part of the token.
        assertThat(withAuthorization.apply("Bearer \u0001" + CURRENT).status()).isEqualTo(400);
        assertThat(withAuthorization.apply("Bearer " + CURRENT + "\u000b").status()).isEqualTo(400);
        assertThat(withAuthorization.apply("Bearer " + CURRENT + "\u00a0").status()).isEqualTo(401);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Bearer                  | Missing access token",
            "'Bearer  '              | Missing access token",
            "bearer                  | Missing access token",
            "Basic dXNlcjpwYXNz      | Authorization must use the Bearer scheme",
            "Bearer wrong-token-0123 | Invalid access token"})
    void aRefusalSaysWhatWasWrongWithTheHeader(String authorization, String message) {
        HttpAnswer answer = post(authorization, sample("minimal-valid.json"));

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("message").asText()).isEqualTo(message);
    }

    @Test
    void eitherTokenOfARotationIsAccepted() {
        assertThat(post("Bearer " + CURRENT, sample("minimal-valid.json")).status()).isEqualTo(202);
        assertThat(post("Bearer " + NEXT, sample("minimal-valid.json")).status()).isEqualTo(202);
        assertThat(post("bearer " + NEXT, sample("minimal-valid.json")).status()).as("the scheme is case-insensitive").isEqualTo(202);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Bearer", "Bearer ", "Bearer  ", "Basic dXNlcjpwYXNz", "Token " + CURRENT,
            "Bearer wrong-token", "Bearer " + CURRENT + "x", "Bearer current-token"})
    void missingMalformedOrWrongTokensAreRefused(String authorization) {
        HttpAnswer answer = post(authorization.isEmpty() ? null : authorization, sample("minimal-valid.json"));

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("type").asText()).isEqualTo("authentication_error");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void tenKilobyteTokenIsRefusedCleanly() {
        HttpAnswer answer = post("Bearer " + "t".repeat(7 * 1024), sample("minimal-valid.json"));

        assertThat(answer.status()).isEqualTo(401);
    }

    @Test
    void theBodyIsNotReadBeforeAuthentication() {
        String eventId = "unauthenticated-" + UUID.randomUUID();

        HttpAnswer broken = post("Bearer wrong", "{ this is not json");
        HttpAnswer valid = post("Bearer wrong", RunningConnector.probeEvent(eventId, "ok"));

        assertThat(broken.status()).as("a broken body is not even parsed").isEqualTo(401);
        assertThat(valid.status()).isEqualTo(401);
        assertThat(ProbeHandlerFactory.HANDLED).doesNotContain(eventId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /process-event", "DELETE /process-event", "GET /admin", "POST /no/such/path", "PUT /health"})
    void unauthenticatedCallersCannotEnumerateRoutes(String request) {
        String[] parts = request.split(" ");
        HttpAnswer answer = connector.send(HttpRequest.newBuilder(connector.uri(parts[1]))
                .method(parts[0], HttpRequest.BodyPublishers.noBody()));

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("message").asText()).isEqualTo("Missing access token");
        assertThat(answer.header("Allow")).isNull();
    }

    private static HttpAnswer post(String authorization, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(connector.uri(connector.eventsPath()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return connector.send(request);
    }
}
