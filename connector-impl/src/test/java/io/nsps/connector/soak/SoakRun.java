package io.nsps.connector.soak;

import io.nsps.connector.testing.ConnectorProcess;
import io.nsps.connector.testing.PostgresDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A bounded soak on loopback (scripts/soak.sh): two connector processes sharing PostgreSQL, a
 * faulty HLR, and a sender that behaves like NSPS (re-sends until it sees a 2xx, sometimes to the
 * other instance, sometimes twice at once). At the end it reconciles what the sender was told with
 * what the HLR applied:
 *
 * <ul>
 *   <li>lost: an event the sender was told was processed, never applied;</li>
 *   <li>duplicated: an event applied more than once;</li>
 *   <li>out of order: a subscriber whose applied events go back in time.</li>
 * </ul>
 */
@Command(name = "soak", mixinStandardHelpOptions = true)
public final class SoakRun implements Runnable {

    /** The Bearer token both instances accept and the sender sends (at least 16 characters, as the connector requires). */
    private static final String TOKEN = "soak-token-0123456789";

    @Option(names = "--minutes", defaultValue = "1", description = "How long to send events (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--rate", defaultValue = "20", description = "Events a second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--subscribers", defaultValue = "50", description = "Distinct IMSIs (default ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--fault-rate", defaultValue = "0.15", description = "Share of HLR calls that time out, fail or are rate limited.")
    double faultRate;

    private record Sent(String eventId, String imsi, long seq) {
    }

    private final Map<String, String> told = new ConcurrentHashMap<>();
    private final AtomicInteger attempts = new AtomicInteger();

    public static void main(String[] args) {
        System.exit(new CommandLine(new SoakRun()).execute(args));
    }

    @Override
    public void run() {
        String schema = PostgresDatabase.freshSchema();
        try (FaultyHlr hlr = new FaultyHlr(faultRate, 2500)) {
            Map<String, String> env = Map.of("API_TOKEN", TOKEN, "HANDLERS", "hlr-hss", "HLR_API_URL", hlr.baseUrl(),
                    "HLR_TIMEOUT", "1s", "STATE_STORE", "postgres", "STATE_DB_URL", PostgresDatabase.URL,
                    "STATE_DB_USER", PostgresDatabase.USER, "STATE_DB_SCHEMA", schema, "LOG_LEVEL", "warn", "CLAIM_LEASE", "10s");
            try (ConnectorProcess a = ConnectorProcess.start("serve", env); ConnectorProcess b = ConnectorProcess.start("serve", env)) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
                List<URI> instances = List.of(URI.create("http://127.0.0.1:" + a.port() + "/process-event"),
                        URI.create("http://127.0.0.1:" + b.port() + "/process-event"));
                awaitUp(client, a.port());
                awaitUp(client, b.port());
                List<Sent> sent = send(client, instances);
                report(sent, hlr);
            }
        } catch (Exception e) {
            throw new IllegalStateException("soak failed: " + e.getMessage(), e);
        } finally {
            PostgresDatabase.dropSchema(schema);
        }
    }

    private List<Sent> send(HttpClient client, List<URI> instances) throws InterruptedException {
        ExecutorService senders = Executors.newFixedThreadPool(Math.max(8, rate * 2));
        Random random = new Random(11);
        List<Sent> sent = new ArrayList<>();
        long[] seqs = new long[subscribers];
        long total = Math.round(minutes * 60 * rate);
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            int subscriber = random.nextInt(subscribers);
            long seq = ++seqs[subscriber];
            Sent event = new Sent(UUID.randomUUID().toString(), String.format("0010100%08d", subscriber), seq);
            sent.add(event);
            boolean twice = random.nextDouble() < 0.05;
            int first = random.nextInt(2);
            senders.submit(() -> deliver(client, instances, event, first));
            if (twice) {
                senders.submit(() -> deliver(client, instances, event, 1 - first));
            }
            long due = start + (i + 1) * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        senders.shutdown();
        senders.awaitTermination(10, TimeUnit.MINUTES);
        return sent;
    }

    /** Like NSPS: re-send until a 2xx, alternating instances, backing off a little. */
    private void deliver(HttpClient client, List<URI> instances, Sent event, int firstInstance) {
        String body = "{\"event_id\":\"" + event.eventId() + "\",\"updated_at\":\"" + Instant.parse("2026-01-01T00:00:00Z").plusSeconds(event.seq())
                + "\",\"data\":{\"event_type\":\"SIM/Updated\"},\"pb_data\":{\"account_info\":{\"bill_status\":\"open\",\"blocked\":false,"
                + "\"id\":\"380500000000@msisdn\"},\"sim_info\":{\"imsi\":\"" + event.imsi() + "\"},\"access_policy_info\":{\"attributes\":"
                + "[{\"name\":\"cs_profile\",\"value\":\"seq-" + event.seq() + "\"}]}}}";
        for (int attempt = 0; attempt < 40; attempt++) {
            attempts.incrementAndGet();
            URI target = instances.get((firstInstance + attempt) % 2);
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(20))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    told.merge(event.eventId(), response.body(), (old, now) -> old.contains("not applied") ? old : now);
                    return;
                }
                if (response.statusCode() / 100 == 4 && response.statusCode() != 429) {
                    told.put(event.eventId(), "refused " + response.statusCode() + " " + response.body());
                    return;
                }
            } catch (Exception e) {
                // as NSPS: retry
            }
            try {
                Thread.sleep(100L * (attempt + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void report(List<Sent> sent, FaultyHlr hlr) {
        List<String> lost = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> outOfOrder = new ArrayList<>();
        int stale = 0;
        for (Sent event : sent) {
            String answer = told.get(event.eventId());
            List<Long> applied = hlr.applied.getOrDefault(event.imsi(), List.of());
            long times;
            synchronized (applied) {
                times = applied.stream().filter(s -> s == event.seq()).count();
            }
            if (answer != null && answer.contains("not applied")) {
                stale++;
            } else if (answer == null || answer.startsWith("refused")) {
                lost.add(event.eventId() + " (never acknowledged: " + answer + ")");
            } else if (times == 0) {
                lost.add(event.eventId() + " (acknowledged, never applied)");
            }
            if (times > 1) {
                duplicated.add(event.eventId() + " applied " + times + " times");
            }
        }
        hlr.applied.forEach((imsi, seqs) -> {
            synchronized (seqs) {
                for (int i = 1; i < seqs.size(); i++) {
                    if (seqs.get(i) < seqs.get(i - 1)) {
                        outOfOrder.add(imsi + ": " + seqs);
                        break;
                    }
                }
            }
        });
        System.out.printf("events: %d, deliveries: %d, acknowledged as stale (older than applied): %d%n", sent.size(), attempts.get(), stale);
        System.out.printf("lost: %d, duplicated: %d, out of order: %d%n", lost.size(), duplicated.size(), outOfOrder.size());
        lost.stream().limit(10).forEach(l -> System.out.println("  lost " + l));
        duplicated.stream().limit(10).forEach(d -> System.out.println("  duplicated " + d));
        outOfOrder.stream().limit(10).forEach(o -> System.out.println("  out of order " + o));
        if (!lost.isEmpty() || !duplicated.isEmpty() || !outOfOrder.isEmpty()) {
            throw new IllegalStateException("the soak found counterexamples");
        }
    }

    private static void awaitUp(HttpClient client, int port) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            try {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (Exception e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("connector on port " + port + " did not start");
    }
}
