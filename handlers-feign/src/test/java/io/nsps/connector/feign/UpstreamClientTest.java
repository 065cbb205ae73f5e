package io.nsps.connector.feign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import feign.Headers;
import feign.Param;
import feign.RequestLine;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import io.nsps.connector.spi.testing.TestClock;
import io.nsps.connector.spi.testing.TestCredentials;
import io.nsps.connector.spi.testing.TestHandlerContext;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client every handler on a generated Feign interface uses, against a real HTTP server: what
 * is sent (credentials, tracing headers), what is re-sent (once, after a 401/403 with fresh
 * credentials, nothing else), and how every answer becomes the SPI's failure.
 */
final class UpstreamClientTest {

    /** What a generated interface looks like (openapi-generator's feign library). */
    interface LinesApi {
        @RequestLine("PUT /lines/{imsi}")
        @Headers("Content-Type: application/json")
        Map<String, Object> update(@Param("imsi") String imsi, Map<String, Object> line);
    }

    private final MockWebServer crm = new MockWebServer();
    private final TestClock clock = TestClock.now();
    private final TestCredentials.Renewing credentials = TestCredentials.renewing("first", "second");
    private TestHandlerContext context;
    private UpstreamClient<LinesApi> client;

    @BeforeEach
    void start() throws IOException {
        crm.start();
        context = TestHandlerContext.forHandler("vendor-crm").clock(clock).credentials(credentials)
                .tracingHeaders(Map.of("x-b3-traceid", "trace-1", "x-request-id", "request-1"));
        client = UpstreamClient.builder(LinesApi.class, "CRM", crm.url("/v1").toString()).context(context)
                .timeout(Duration.ofSeconds(2)).statusesDecidedByCaller(404).build();
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        crm.shutdown();
    }

    @Test
    void aCallCarriesTheCredentialsAndTheEventsTracingHeadersAndIsLogged() throws Exception {
        crm.enqueue(json(200, "{\"status\":\"active\"}"));

        Map<String, Object> answer = update();

        assertThat(answer).containsEntry("status", "active");
        RecordedRequest request = crm.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request.getPath()).isEqualTo("/v1/lines/255010000020349");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer first");
        assertThat(request.getHeader("x-b3-traceid")).isEqualTo("trace-1");
        assertThat(request.getHeader("x-request-id")).isEqualTo("request-1");
        assertThat(request.getBody().readUtf8()).isEqualTo("{\"status\":\"active\"}");
        assertThat(context.logged()).anySatisfy(line -> assertThat(line).matches("CRM update line 255010000020349: HTTP 200 in \\d+ ms"));
    }

    @Test
    void aRefusedTokenIsRenewedAndTheCallSentOnceMore() throws Exception {
        crm.enqueue(json(401, "{}"));
        crm.enqueue(json(200, "{}"));

        update();

        assertThat(crm.takeRequest().getHeader("Authorization")).isEqualTo("Bearer first");
        assertThat(crm.takeRequest().getHeader("Authorization")).isEqualTo("Bearer second");
        assertThat(credentials.refusals()).isEqualTo(1);
    }

    @Test
    void credentialsRefusedAgainAreAnAuthenticationFailureAfterOneResend() {
        crm.enqueue(json(403, "{}"));
        crm.enqueue(json(403, "{}"));

        assertThatThrownBy(this::update).isInstanceOf(UpstreamAuthenticationException.class)
                .hasMessage("The CRM refused the connector's credentials (HTTP 403)");
        assertThat(crm.getRequestCount()).isEqualTo(2);
    }

    @Test
    void statusesBecomeTheSpisFailuresWithTheSanitisedUpstreamText() {
        crm.enqueue(json(422, "{\"error\":\"plan unknown, see http://crm.internal/plans\"}"));
        crm.enqueue(json(500, "{\"message\":\"database down\"}"));
        crm.enqueue(json(302, "").addHeader("Location", "http://elsewhere/"));

        assertThatThrownBy(this::update).isInstanceOf(InvalidEventException.class)
                .hasMessage("The CRM refused the request (HTTP 422): plan unknown, see [address]");
        assertThatThrownBy(this::update).isInstanceOf(UpstreamErrorException.class).hasMessage("The CRM failed (HTTP 500): database down");
        assertThatThrownBy(this::update).as("a redirect is never followed").isInstanceOf(UpstreamErrorException.class)
                .hasMessage("The CRM failed (HTTP 302)");
        assertThat(crm.getRequestCount()).as("nothing re-sent").isEqualTo(3);
    }

    @Test
    void anUnavailableSystemsRetryAfterIsKept() {
        crm.enqueue(json(503, "{\"error\":\"maintenance\"}").addHeader("Retry-After", "120"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("The CRM is unavailable (HTTP 503): maintenance");
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
        });
    }

    @Test
    void aStatusTheHandlerDecidesIsHandedToIt() {
        crm.enqueue(json(404, "{\"error\":\"no such line\"}"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamStatusException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.detail()).isEqualTo(": no such line");
        });
    }

    @Test
    void aRateLimitHoldsEveryCallUntilItsRetryAfter() throws Exception {
        crm.enqueue(json(429, "{}").addHeader("Retry-After", "20"));
        crm.enqueue(json(200, "{}"));

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(20)));
        clock.advance(Duration.ofSeconds(15));
        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(5));
        update();
        assertThat(crm.getRequestCount()).isEqualTo(2);
    }

    @Test
    void anAnswerDrippedPastTheDeadlineIsAbandoned() {
        crm.enqueue(json(200, "{\"status\":\"" + "x".repeat(200) + "\"}").throttleBody(1, 100, TimeUnit.MILLISECONDS));
        long started = System.nanoTime();

        assertThatThrownBy(this::update).isInstanceOf(UpstreamUnavailableException.class)
                .hasMessage("The CRM did not answer within 2000 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void anUnreachableSystemIsUnavailable() throws Exception {
        crm.shutdown();

        assertThatThrownBy(this::update).isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("The CRM is unreachable (connection refused)");
            assertThat(e.retryAfter()).contains(UpstreamClient.DEFAULT_RETRY_AFTER);
        });
    }

    private Map<String, Object> update() throws Exception {
        return client.call("update line 255010000020349", client.deadline(),
                api -> api.update("255010000020349", Map.of("status", "active")));
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }
}
