package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.model.Event;
import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.memory.MemoryStateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a replay claims: an event asked for by id runs again even when done; one selected because it
 * had failed does not when a delivery of NSPS has done it since (replay --failed racing NSPS's own
 * retry ran the event twice).
 */
final class ReplayClaimTest {

    private final AtomicInteger handled = new AtomicInteger();
    private final EventProcessor processor = TestProcessors.provisioningSimEvents(
            new MemoryStateStore(1_000, Duration.ofDays(35), Clock.systemUTC()), handled::incrementAndGet);

    @Test
    void aReplayOfAnEventSelectedAsFailedIsAlreadyProcessedWhenADeliveryDidItSince() {
        Event event = event("replay-selected-failed");
        assertThat(processor.process(event).done()).isTrue();

        Outcome replayed = processor.replay(event, null, false, false);

        assertThat(replayed).isInstanceOfSatisfying(Outcome.Done.class,
                done -> assertThat(done.result()).isEqualTo(Outcome.Done.Result.DUPLICATE));
        assertThat(handled).hasValue(1);
    }

    @Test
    void aReplayOfAnEventAskedForByIdRunsItAgainEvenWhenDone() {
        Event event = event("replay-by-id");
        assertThat(processor.process(event).done()).isTrue();

        Outcome replayed = processor.replay(event, null, false, true);

        assertThat(replayed).isInstanceOfSatisfying(Outcome.Done.class,
                done -> assertThat(done.result()).isEqualTo(Outcome.Done.Result.PROCESSED));
        assertThat(handled).hasValue(2);
    }

    private static Event event(String id) {
        return TestProcessors.simUpdated(id, "255010000000778");
    }
}
