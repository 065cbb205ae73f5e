package io.nsps.connector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nsps.connector.testing.RunningConnector;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** SELECTOR_THREADS is the number of Grizzly selector threads the listener runs. */
final class SelectorThreadsTest {

    @Test
    void theListenerRunsAsManySelectorThreadsAsConfigured() {
        // Two counts, so that Grizzly's own default (one per core plus one) cannot pass for both.
        for (int configured : new int[] {1, 4}) {
            // Counted as the threads that were not there before: another test's listener may still be ending its own.
            Set<Thread> before = selectorThreads();
            Set<Thread> started;
            try (RunningConnector connector = RunningConnector.start(Map.of("SELECTOR_THREADS", Integer.toString(configured)))) {
                // Grizzly names a kernel thread a SelectorRunner once the runner runs on it, just after the start returns.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(started(before))
                        .as("selector threads with SELECTOR_THREADS=%d", configured).hasSize(configured));
                started = started(before);
                assertThat(connector.get("/health").status()).isEqualTo(200);
                assertThat(started(before)).as("no selector thread started later").hasSize(configured);
            }
            // A stopped listener's selectors end shortly after it stops.
            await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(Thread::isAlive));
        }
    }

    private static Set<Thread> started(Set<Thread> before) {
        Set<Thread> now = selectorThreads();
        now.removeAll(before);
        return now;
    }

    private static Set<Thread> selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().endsWith("SelectorRunner"))
                .collect(Collectors.toSet());
    }
}
