package io.nsps.connector.handlers.hlr;

import static io.nsps.connector.spi.testing.SampleEvents.parse;
import static io.nsps.connector.spi.testing.SampleEvents.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nsps.connector.spi.testing.TestHandlerContext;
import io.nsps.connector.spi.testing.TestClock;
import io.nsps.connector.model.Event;
import io.nsps.connector.spi.EventHandler;
import io.nsps.connector.spi.HandlerResult;
import io.nsps.connector.spi.InvalidEventException;
import io.nsps.connector.spi.UpstreamAuthenticationException;
import io.nsps.connector.spi.UpstreamCredentials;
import io.nsps.connector.spi.UpstreamErrorException;
import io.nsps.connector.spi.UpstreamRateLimitedException;
import io.nsps.connector.spi.UpstreamUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The hlr-hss handler against a real HTTP server (MockWebServer): exact requests, every upstream outcome. */
final class HlrHssHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OK = "{\"result\":true,\"message\":\"done\"}";

    private MockWebServer hlr;
    private final RotatingCredentials credentials = new RotatingCredentials();

    @BeforeEach
    void startHlr() throws IOException {
        hlr = new MockWebServer();
        hlr.start();
    }

    @AfterEach
    void stopHlr() throws IOException {
        hlr.shutdown();
    }

    @Test
    void simUpdatedIsOneFullStateUpdate() throws Exception {
        hlr.enqueue(json(200, OK));

        HandlerResult result = handler(Map.of()).handle(event("sim-updated"));

        assertThat(result).isEqualTo(HandlerResult.processed("HLR: update SIM 255010000020349"));
        RecordedRequest request = hlr.takeRequest();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getPath()).isEqualTo("/wtl/hlr/v1/prov");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer token-1");
        assertBody(request, "{\"action\":\"update\",\"imsi\":\"255010000020349\",\"msisdn\":[\"380501234567\"],"
                + "\"subscriber_status\":\"serviceGranted\",\"cs_profile\":\"cs-pp-20250319\",\"eps_profile\":\"eps-pp-20250319\"}");
    }

    @Test
    void manyEventsInFlightCallOnTheirOwnThreadsAndStartNone() throws Exception {
        // java.net.http ran an unbounded pool (141 threads at 64 events in flight, measured), then a
        // call thread per event in flight: now each call runs on its event's thread, and its deadline
        // on one timer thread shared by every client.
        int events = 24;
        for (int i = 0; i < events; i++) {
            hlr.enqueue(json(200, OK).setHeadersDelay(150, TimeUnit.MILLISECONDS));
        }
        EventHandler handler = handler(Map.of());
        ExecutorService deliveries = Executors.newFixedThreadPool(events);
        try {
            for (int i = 0; i < events; i++) {
                deliveries.submit(() -> { }).get(); // the pool's threads exist before the snapshot
            }
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            List<Future<HandlerResult>> results = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                results.add(deliveries.submit(() -> handler.handle(event("sim-updated"))));
            }
            for (Future<HandlerResult> result : results) {
                assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo(HandlerResult.processed("HLR: update SIM 255010000020349"));
            }
            List<String> started = Thread.getAllStackTraces().keySet().stream().filter(thread -> !before.contains(thread))
                    .map(Thread::getName).filter(name -> !name.startsWith("MockWebServer") && !name.startsWith("OkHttp")).toList();
            assertThat(started).isSubsetOf("upstream-deadlines");
        } finally {
            deliveries.shutdownNow();
            handler.close();
        }
    }

    @Test
    void blockedAccountIsBarredButKeepsItsNumber() throws Exception {
        hlr.enqueue(json(200, OK));

        handler(Map.of()).handle(event("sim-updated-blocked"));

        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000020349\",\"msisdn\":[\"380501234567\"],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\",\"cs_profile\":\"cs-pp-20250319\",\"eps_profile\":\"eps-pp-20250319\"}");
    }

    @Test
    void accountNotOpenLosesItsNumberAndProfilesFallBackToDefaults() throws Exception {
        hlr.enqueue(json(200, OK));
        Event event = parse("{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"account_info\":"
                + "{\"bill_status\":\"suspended\",\"blocked\":false,\"id\":\"380501234567@msisdn\"},\"sim_info\":{\"imsi\":\"255010000020349\"}}}");

        handler(Map.of("DEFAULT_CS_PROFILE", "cs-default", "DEFAULT_EPS_PROFILE", "eps-default")).handle(event);

        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000020349\",\"msisdn\":[],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\",\"cs_profile\":\"cs-default\",\"eps_profile\":\"eps-default\"}");
    }

    @Test
    void anAccountWithoutBillStatusIsBarredAsPortaOnesConnectorDoesAndSaysSo() throws Exception {
        hlr.enqueue(json(200, OK));
        Event event = parse("{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"account_info\":"
                + "{\"blocked\":false,\"id\":\"380501234567@msisdn\"},\"sim_info\":{\"imsi\":\"255010000020349\"}}}");
        TestHandlerContext context = TestHandlerContext.forFactory(new HlrHssHandlerFactory())
                .setting("API_URL", hlr.url("/wtl/hlr/v1").toString()).credentials(credentials);

        HandlerResult result = new HlrHssHandlerFactory().create(context).handle(event);

        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000020349\",\"msisdn\":[],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\"}");
        assertThat(result.message()).isEqualTo("HLR: update SIM 255010000020349 (barred: its account_info has no bill_status)");
        assertThat(context.logged()).contains("SIM 255010000020349 barred: pb_data.account_info has no bill_status, which is read as not open");
    }

    @Test
    void simCreatedIsInsertedBarredWithoutANumber() throws Exception {
        hlr.enqueue(json(200, OK));

        HandlerResult result = handler(Map.of()).handle(event("sim-created"));

        assertThat(result.message()).isEqualTo("HLR: insert SIM 255010000020350");
        assertBody(hlr.takeRequest(), "{\"action\":\"insert\",\"imsi\":\"255010000020350\",\"msisdn\":[],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\"}");
    }

    @Test
    void insertOfASimAlreadyThereBecomesAnUpdate() throws Exception {
        hlr.enqueue(json(409, "{\"result\":false,\"error\":\"exists\"}"));
        hlr.enqueue(json(200, OK));

        HandlerResult result = handler(Map.of()).handle(event("sim-created"));

        assertThat(result.message()).isEqualTo("HLR: insert SIM 255010000020350 (already present, updated)");
        assertThat(JSON.readTree(hlr.takeRequest().getBody().readUtf8()).path("action").asText()).isEqualTo("insert");
        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000020350\",\"msisdn\":[],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\"}");
    }

    @Test
    void simDeletedIsDeletedAndAnAbsentSimIsAlreadyDone() throws Exception {
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(404, "{\"result\":false,\"error\":\"no such subscriber\"}"));

        HandlerResult first = handler(Map.of()).handle(event("sim-deleted"));
        HandlerResult retried = handler(Map.of()).handle(event("sim-deleted"));

        assertBody(hlr.takeRequest(), "{\"action\":\"delete\",\"imsi\":\"255010000020350\"}");
        assertThat(first.message()).isEqualTo("HLR: delete SIM 255010000020350");
        assertThat(retried.message()).isEqualTo("HLR: delete SIM 255010000020350 (already absent)");
    }

    @Test
    void simReplacedDetachesAndBarsThePreviousSimThenProvisionsTheNewOne() throws Exception {
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(200, OK));

        HandlerResult result = handler(Map.of()).handle(event("sim-replaced"));

        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000011111\",\"msisdn\":[],"
                + "\"subscriber_status\":\"operatorDeterminedBarring\"}");
        assertBody(hlr.takeRequest(), "{\"action\":\"update\",\"imsi\":\"255010000020349\",\"msisdn\":[\"380501234567\"],"
                + "\"subscriber_status\":\"serviceGranted\",\"cs_profile\":\"cs-pp-20250319\",\"eps_profile\":\"eps-pp-20250319\"}");
        assertThat(result.message()).isEqualTo("HLR: detach and bar previous SIM 255010000011111; update SIM 255010000020349");
    }

    @Test
    void retriedSimReplacedAfterAPartialFailureCompletes() throws Exception {
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(503, ""));
        hlr.enqueue(json(200, OK));
        hlr.enqueue(json(200, OK));
        EventHandler handler = handler(Map.of());

        assertThatThrownBy(() -> handler.handle(event("sim-replaced"))).isInstanceOf(UpstreamUnavailableException.class);
        HandlerResult retried = handler.handle(event("sim-replaced"));

        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bodies.add(hlr.takeRequest().getBody().readUtf8());
        }
        assertThat(bodies.get(2)).as("the retry repeats the detach as the same full-state update").isEqualTo(bodies.get(0));
        assertThat(bodies.get(3)).isEqualTo(bodies.get(1));
        assertThat(retried.outcome()).isEqualTo(HandlerResult.Outcome.PROCESSED);
    }

    @Test
    void otherConfiguredTypesWithASimAreFullStateSyncs() throws Exception {
        hlr.enqueue(json(200, OK));
        Event blocked = event("sim-updated-blocked");
        blocked.getData().setEventType("Account/Blocked");
        EventHandler handler = handler(Map.of("EVENT_TYPES", "SIM/*,Account/Blocked"));

        HandlerResult result = handler.handle(blocked);
        HandlerResult noSim = handler.handle(parse("{\"event_id\":\"e\",\"data\":{\"event_type\":\"Account/Blocked\"}}"));

        assertThat(handler.eventTypes()).containsExactly("SIM/*", "Account/Blocked");
        assertThat(result.message()).isEqualTo("HLR: update SIM 255010000020349");
        assertThat(JSON.readTree(hlr.takeRequest().getBody().readUtf8()).path("subscriber_status").asText())
                .isEqualTo("operatorDeterminedBarring");
        assertThat(noSim.outcome()).isEqualTo(HandlerResult.Outcome.IGNORED);
        assertThat(hlr.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Updated\"}}|pb_data.sim_info.imsi: is required",
            "{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"sim_info\":{\"imsi\":\"12345\"}}}|pb_data.sim_info.imsi: must be 15 digits",
            "{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Deleted\"},\"pb_data\":{\"sim_info\":{\"imsi\":\"25501000002034x\"}}}|pb_data.sim_info.imsi: must be 15 digits",
            "{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Replaced\"},\"pb_data\":{\"prev_sim_info\":{\"imsi\":\"1\"}}}|pb_data.prev_sim_info.imsi: must be 15 digits",
            "{\"event_id\":\"e\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"sim_info\":{\"imsi\":\"255010000020349\"},\"access_policy_info\":{\"attributes\":[{\"name\":\"cs_profile\",\"value\":\"9 bad\"}]}}}|pb_data.access_policy_info.attributes[cs_profile]: is not a profile name",
    })
    void eventsThatCannotBeProvisionedAreRefusedWithoutCallingTheHlr(String json, String message) {
        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(() -> handler(Map.of()).handle(parse(json))).isInstanceOf(InvalidEventException.class).hasMessage(message);
        }
        assertThat(hlr.getRequestCount()).isZero();
    }

    @Test
    void imsiOutsideTheConfiguredPatternIsIgnored() throws Exception {
        HandlerResult result = handler(Map.of("IMSI_PATTERN", "001.*")).handle(event("sim-updated"));

        assertThat(result).isEqualTo(HandlerResult.ignored("IMSI 255010000020349 is outside HLR_IMSI_PATTERN; not provisioned"));
        assertThat(hlr.getRequestCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/wtl/hlr/v1", "/wtl/hlr/v1/", "/wtl/hlr/v1//"})
    void baseUrlWithOrWithoutTrailingSlashGivesTheSameUrl(String basePath) throws Exception {
        hlr.enqueue(json(200, OK));

        handler(Map.of("API_URL", hlr.url(basePath).toString())).handle(event("sim-updated"));

        assertThat(hlr.takeRequest().getPath()).isEqualTo("/wtl/hlr/v1/prov");
    }

    @Test
    void invalidBaseUrlIsAStartUpProblem() {
        TestHandlerContext context = TestHandlerContext.forFactory(new HlrHssHandlerFactory()).setting("API_URL", "hlr.example:3001").credentials(credentials);

        new HlrHssHandlerFactory().create(context);

        assertThat(context.problems()).containsExactly("HLR_API_URL: 'hlr.example:3001' is not an http(s) URL like https://host:port/base/path");
    }

    @Test
    void aTimeoutBeyondTheSendersOwnIsAStartUpProblem() {
        TestHandlerContext context = TestHandlerContext.forFactory(new HlrHssHandlerFactory()).setting("API_URL", "http://hlr.example:3001")
                .setting("TIMEOUT", "30s").credentials(credentials);

        new HlrHssHandlerFactory().create(context);

        assertThat(context.problems()).containsExactly("HLR_TIMEOUT: must be between 100ms and 25s, got 30s");
    }

    @Test
    void aConnectTimeoutIsComparedWithTheTimeoutAsWrittenOnly() {
        TestHandlerContext refused = TestHandlerContext.forFactory(new HlrHssHandlerFactory()).setting("API_URL", "http://hlr.example:3001")
                .setting("TIMEOUT", "30s").setting("CONNECT_TIMEOUT", "15s").credentials(credentials);
        TestHandlerContext accepted = TestHandlerContext.forFactory(new HlrHssHandlerFactory()).setting("API_URL", "http://hlr.example:3001")
                .setting("TIMEOUT", "3s").setting("CONNECT_TIMEOUT", "5s").credentials(credentials);

        new HlrHssHandlerFactory().create(refused);
        new HlrHssHandlerFactory().create(accepted);

        assertThat(refused.problems()).as("not 'must not exceed HLR_TIMEOUT': 15s is within the 30s written")
                .containsExactly("HLR_TIMEOUT: must be between 100ms and 25s, got 30s");
        assertThat(accepted.problems()).containsExactly("HLR_CONNECT_TIMEOUT: must not exceed HLR_TIMEOUT");
    }

    @Test
    void successfulAnswerReportingFailureIsAPermanentRefusal() {
        hlr.enqueue(json(200, "{\"result\":false,\"error\":\"profile cs-pp-20250319 unknown; see http://internal.hlr/docs\"}"));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated")))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("The HLR refused to update SIM 255010000020349: profile cs-pp-20250319 unknown; see [address]");
    }

    @ParameterizedTest
    @CsvSource({
            "400, io.nsps.connector.spi.InvalidEventException",
            "409, io.nsps.connector.spi.InvalidEventException",
            "422, io.nsps.connector.spi.InvalidEventException",
            "404, io.nsps.connector.spi.UpstreamUnavailableException",
            "500, io.nsps.connector.spi.UpstreamErrorException",
            "502, io.nsps.connector.spi.UpstreamErrorException",
            "503, io.nsps.connector.spi.UpstreamUnavailableException",
            "301, io.nsps.connector.spi.UpstreamErrorException",
            "302, io.nsps.connector.spi.UpstreamErrorException",
            "410, io.nsps.connector.spi.UpstreamErrorException",
    })
    void upstreamStatusesBecomeTheirFailures(int status, Class<?> failure) {
        hlr.enqueue(json(status, "{\"result\":false,\"error\":\"nope\"}").addHeader("Location", hlr.url("/elsewhere")));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated"))).isInstanceOf(failure)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(hlr.getHostName() + ":" + hlr.getPort()));
        assertThat(hlr.getRequestCount()).as("never re-sent, never redirected").isEqualTo(1);
    }

    @Test
    void rateLimitCarriesRetryAfter() {
        hlr.enqueue(json(429, "").addHeader("Retry-After", "7"));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated")))
                .isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                        e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
    }

    @Test
    void noCallReachesTheHlrUntilItsRetryAfterHasPassed() throws Exception {
        TestClock clock = TestClock.now();
        EventHandler handler = handler(Map.of(), clock);
        hlr.enqueue(json(429, "").addHeader("Retry-After", "30"));
        hlr.enqueue(json(200, OK));

        assertThatThrownBy(() -> handler.handle(event("sim-updated"))).isInstanceOf(UpstreamRateLimitedException.class);
        clock.advance(Duration.ofSeconds(20));
        assertThatThrownBy(() -> handler.handle(event("sim-updated-blocked")))
                .isInstanceOfSatisfying(UpstreamRateLimitedException.class,
                        e -> assertThat(e.retryAfter()).as("what remains of the HLR's 30 s").contains(Duration.ofSeconds(10)));
        assertThat(hlr.getRequestCount()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(10));
        assertThat(handler.handle(event("sim-updated-blocked")).outcome()).isEqualTo(HandlerResult.Outcome.PROCESSED);
        assertThat(hlr.getRequestCount()).isEqualTo(2);
    }

    @Test
    void retryAfterAsAnHttpDateCountsFromNow() {
        TestClock clock = TestClock.now();
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().plusSeconds(60).atOffset(ZoneOffset.UTC));
        hlr.enqueue(json(429, "").addHeader("Retry-After", inAMinute));

        assertThatThrownBy(() -> handler(Map.of(), clock).handle(event("sim-updated")))
                .isInstanceOfSatisfying(UpstreamRateLimitedException.class, e -> assertThat(e.retryAfter()).hasValueSatisfying(
                        delay -> assertThat(delay).isBetween(Duration.ofSeconds(59), Duration.ofSeconds(60))));
    }

    @Test
    void exhaustedOutboundRateLimitIsA429WithoutCallingTheHlr() throws Exception {
        hlr.enqueue(json(200, OK));
        EventHandler handler = handler(Map.of("MAX_RPS", "1"));

        handler.handle(event("sim-updated"));

        assertThatThrownBy(() -> handler.handle(event("sim-updated-blocked")))
                .isInstanceOfSatisfying(UpstreamRateLimitedException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("HLR_MAX_RPS (1 calls a second) is exhausted");
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
                });
        assertThat(hlr.getRequestCount()).isEqualTo(1);
    }

    @Test
    void refusedCredentialsAreRenewedAndTheCallSentOnceMore() throws Exception {
        hlr.enqueue(json(401, ""));
        hlr.enqueue(json(200, OK));

        HandlerResult result = handler(Map.of()).handle(event("sim-updated"));

        assertThat(result.outcome()).isEqualTo(HandlerResult.Outcome.PROCESSED);
        assertThat(hlr.takeRequest().getHeader("Authorization")).isEqualTo("Bearer token-1");
        assertThat(hlr.takeRequest().getHeader("Authorization")).isEqualTo("Bearer token-2");
    }

    @Test
    void credentialsRefusedTwiceAreAnAuthenticationError() {
        hlr.enqueue(json(401, ""));
        hlr.enqueue(json(403, ""));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated"))).isInstanceOf(UpstreamAuthenticationException.class);
        assertThat(hlr.getRequestCount()).isEqualTo(2);
    }

    @Test
    void staticCredentialsRefusedAreNotResent() {
        hlr.enqueue(json(401, ""));
        credentials.refreshable = false;

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated"))).isInstanceOf(UpstreamAuthenticationException.class);
        assertThat(hlr.getRequestCount()).isEqualTo(1);
    }

    @Test
    void serverThatNeverAnswersFailsWithinTheDeadline() {
        hlr.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

        long started = System.nanoTime();
        assertThatThrownBy(() -> handler(Map.of("TIMEOUT", "700ms")).handle(event("sim-updated")))
                .isInstanceOf(UpstreamUnavailableException.class)
                // The event deadline and the client's own request timeout are both 700 ms: either may fire first.
                .hasMessageMatching("The HLR (did not answer within 700 ms|is unreachable \\(timeout\\))");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void serverDrippingItsAnswerFailsWithinTheDeadline() {
        hlr.enqueue(json(200, OK + " ".repeat(200)).throttleBody(1, 100, TimeUnit.MILLISECONDS));

        long started = System.nanoTime();
        assertThatThrownBy(() -> handler(Map.of("TIMEOUT", "800ms")).handle(event("sim-updated")))
                .isInstanceOf(UpstreamUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void refusedConnectionIsUnavailable() throws IOException {
        // A port bound but not listening refuses connections, and stays this test's while it is held
        // (a port probed and closed could be taken by another process before the call).
        try (Socket closed = new Socket()) {
            closed.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

            TestHandlerContext context = TestHandlerContext.forFactory(new HlrHssHandlerFactory())
                    .setting("API_URL", "http://127.0.0.1:" + closed.getLocalPort() + "/wtl").credentials(credentials);
            assertThatThrownBy(() -> new HlrHssHandlerFactory().create(context).handle(event("sim-updated")))
                    .isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("The HLR is unreachable (connection refused)");
                        assertThat(e.retryAfter()).isPresent();
                    });
            assertThat(context.logged()).as("the cause is logged for the operator").contains("Calling the HLR failed");
        }
    }

    @Test
    void unknownHostIsUnavailable() {
        assertThatThrownBy(() -> handler(Map.of("API_URL", "http://hlr.invalid:3001/wtl")).handle(event("sim-updated")))
                .isInstanceOf(UpstreamUnavailableException.class)
                .hasMessageStartingWith("The HLR is unreachable");
    }

    @Test
    void untrustedTlsCertificateIsUnavailableNeverTrusted() throws IOException {
        HeldCertificate selfSigned = new HeldCertificate.Builder().addSubjectAlternativeName("localhost").build();
        HandshakeCertificates serverCertificates = new HandshakeCertificates.Builder().heldCertificate(selfSigned).build();
        try (MockWebServer tls = new MockWebServer()) {
            tls.useHttps(serverCertificates.sslSocketFactory(), false);
            tls.enqueue(json(200, OK));
            tls.start();

            assertThatThrownBy(() -> handler(Map.of("API_URL", tls.url("/wtl").toString())).handle(event("sim-updated")))
                    .isInstanceOfSatisfying(UpstreamUnavailableException.class,
                            e -> assertThat(e.getMessage()).isEqualTo("The HLR is unreachable (TLS failure)"));
            assertThat(tls.getRequestCount()).as("no request was ever sent over the untrusted connection").isZero();
        }
    }

    @Test
    void hugeGarbageAnswerIsReadBoundedAndRefused() {
        Buffer garbage = new Buffer();
        garbage.write(new byte[10 * 1024 * 1024]);
        hlr.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(garbage));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated"))).isInstanceOf(UpstreamErrorException.class);
    }

    @Test
    void aSubscriberTheHlrLacksIsRetriedNotDroppedWithTheUpstreamReasonSanitised() {
        // Its insert may still be on its way: a 404 would make NSPS drop the update for good.
        hlr.enqueue(json(404, "{\"result\":false,\"error\":\"subscriber\\nunknown\"}"));

        assertThatThrownBy(() -> handler(Map.of()).handle(event("sim-updated")))
                .isInstanceOf(UpstreamUnavailableException.class)
                .hasMessage("The HLR has no subscriber for update SIM 255010000020349 yet: subscriber unknown");
    }

    private EventHandler handler(Map<String, String> settings) {
        return handler(settings, Clock.systemUTC());
    }

    private EventHandler handler(Map<String, String> settings, Clock clock) {
        Map<String, String> all = new HashMap<>();
        all.put("API_URL", hlr.url("/wtl/hlr/v1").toString());
        all.putAll(settings);
        TestHandlerContext context = TestHandlerContext.forFactory(new HlrHssHandlerFactory()).settings(all).credentials(credentials).clock(clock);
        EventHandler handler = new HlrHssHandlerFactory().create(context);
        assertThat(context.problems()).isEmpty();
        return handler;
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
    }

    private static void assertBody(RecordedRequest request, String expected) throws IOException {
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(JSON.readTree(request.getBody().readUtf8())).isEqualTo(JSON.readTree(expected));
    }

    /** Bearer token-N; a refusal moves to the next N when refreshable. */
    private static final class RotatingCredentials implements UpstreamCredentials {
        private final AtomicInteger generation = new AtomicInteger(1);
        volatile boolean refreshable = true;

        @Override
        public String scheme() {
            return "test";
        }

        @Override
        public String authorization() {
            return "Bearer token-" + generation.get();
        }

        @Override
        public boolean refused(String authorization) {
            if (refreshable) {
                generation.compareAndSet(Integer.parseInt(authorization.substring("Bearer token-".length())), generation.get() + 1);
            }
            return refreshable;
        }
    }
}
