package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.RunningConnector;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SELECTOR_THREADS is the number of Grizzly selector threads the listener runs. */
final class SelectorThreadsTest {

    @Test
    void theListenerRunsAsManySelectorThreadsAsConfigured() {
        // Two counts, so that Grizzly's own default (one per core plus one) cannot pass for both.
        long before = selectorThreads();
        for (int configured : new int[] {1, 4}) {
            try (RunningConnector connector = RunningConnector.start(Map.of("SELECTOR_THREADS", Integer.toString(configured)))) {
                assertThat(selectorThreads() - before).as("selector threads with SELECTOR_THREADS=%d", configured).isEqualTo(configured);
                assertThat(connector.get("/health").status()).isEqualTo(200);
            }
            // A stopped listener's selectors end shortly after it stops.
            await().atMost(Duration.ofSeconds(10)).until(() -> selectorThreads() == before);
        }
    }

    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().endsWith("SelectorRunner"))
                .count();
    }
}
