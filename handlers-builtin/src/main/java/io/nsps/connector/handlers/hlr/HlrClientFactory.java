package io.nsps.connector.handlers.hlr;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import feign.Feign;
import feign.Logger;
import feign.Request;
import feign.RequestInterceptor;
import feign.Retryer;
import feign.http2client.Http2Client;
import feign.jackson.JacksonEncoder;
import io.nsps.connector.handlers.hlr.client.api.ProvisioningApi;
import io.nsps.connector.spi.HandlerException;
import io.nsps.connector.spi.UpstreamCredentials;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the generated HLR client, with every Feign component chosen here and nowhere else:
 *
 * <ul>
 *   <li>no retryer: a POST is never re-sent by Feign (its default re-sends up to 5 times);</li>
 *   <li>explicit timeouts, no redirects (a 3xx is an error, never followed);</li>
 *   <li>JSON without absent fields; bounded decoding of answers;</li>
 *   <li>an error decoder that keeps only what the handler needs;</li>
 *   <li>a logger at BASIC level (method, URL, status, time), which never prints headers or bodies;</li>
 *   <li>credentials from {@link UpstreamCredentials} through an interceptor;</li>
 *   <li>the event's tracing headers on every request, and each answer's status recorded for the
 *       call's log line ({@link CallContext}).</li>
 * </ul>
 */
final class HlrClientFactory {

    private HlrClientFactory() {
    }

    static ObjectMapper mapper() {
        return JsonMapper.builder()
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    /**
     * The HTTP client's own work (sending requests, reading answers: short tasks that never block):
     * as many threads as cores, ending after 30 s idle. java.net.http's default is an unbounded pool,
     * which at 64 events in flight ran 141 threads beside the 64 waiting for their answers. The
     * caller owns it (the handler shuts it down when closed).
     */
    static ExecutorService httpExecutor() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger counter = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "hlr-http-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    static ProvisioningApi create(HlrSettings settings, UpstreamCredentials credentials, Clock clock, System.Logger logger,
                                  Executor httpExecutor) {
        ObjectMapper mapper = mapper();
        HttpClient http = HttpClient.newBuilder()
                .executor(httpExecutor)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return Feign.builder()
                .client(CallContext.recordingStatus(new Http2Client(http)))
                .options(new Request.Options(settings.connectTimeout(), settings.timeout(), false))
                .retryer(Retryer.NEVER_RETRY)
                .encoder(new JacksonEncoder(mapper))
                .decoder(new BoundedJacksonDecoder(mapper))
                .errorDecoder(new HlrErrorDecoder(mapper, clock))
                .requestInterceptor(credentialsInterceptor(credentials))
                .requestInterceptor(CallContext.tracingHeaders())
                .logger(new SystemFeignLogger(logger))
                .logLevel(Logger.Level.BASIC)
                .target(ProvisioningApi.class, settings.baseUrl());
    }

    /** Stamps the Authorization header; a credentials failure travels out as {@link HlrCallFailure}. */
    static RequestInterceptor credentialsInterceptor(UpstreamCredentials credentials) {
        return template -> {
            try {
                String authorization = credentials.authorization();
                if (authorization != null) {
                    template.header("Authorization", authorization);
                }
            } catch (HandlerException e) {
                throw new HlrCallFailure(e);
            }
        };
    }

    /** Feign's log lines into the handler's logger, at DEBUG. BASIC level: no headers, no bodies. */
    private static final class SystemFeignLogger extends Logger {
        private final System.Logger logger;

        SystemFeignLogger(System.Logger logger) {
            this.logger = logger;
        }

        @Override
        protected void log(String configKey, String format, Object... args) {
            if (logger.isLoggable(System.Logger.Level.DEBUG)) {
                logger.log(System.Logger.Level.DEBUG, configKey + " " + String.format(format, args));
            }
        }

        @Override
        protected boolean shouldLogRequestHeader(String header) {
            return false;
        }

        @Override
        protected boolean shouldLogResponseHeader(String header) {
            return false;
        }
    }
}
