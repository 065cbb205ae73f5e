package io.nsps.connector.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.Claim;
import io.nsps.connector.state.Delivery;
import io.nsps.connector.state.EventFingerprint;
import io.nsps.connector.state.Journal;
import io.nsps.connector.state.StateStore;
import io.nsps.connector.state.StateStoreException;
import io.nsps.connector.state.memory.MemoryStateStore;
import io.nsps.connector.testing.LogCapture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The window no store can close (docs/behaviour.md, exactly once): the external system took the
 * event, then the store failed to record its outcome. The delivery fails (503) and says so at ERROR,
 * naming the event, so that an operator can tell why its subscriber's order may slip until then.
 */
final class UnrecordedOutcomeTest {

    @Test
    void aProvisionedEventWhoseFinishFailsIsLoggedAsReachingTheExternalSystem() {
        LogCapture.attach();
        String eventId = "unrecorded-" + UUID.randomUUID();
        EventProcessor processor = TestProcessors.provisioningSimEvents(
                new FinishFails(new MemoryStateStore(1_000, Duration.ofDays(35), Clock.systemUTC())), () -> { });

        assertThatThrownBy(() -> processor.process(TestProcessors.simUpdated(eventId, "255010000000777")))
                .isInstanceOf(StateStoreException.class);

        assertThat(LogCapture.json()).anySatisfy(line -> {
            assertThat(line.path("level").asText()).isEqualTo("ERROR");
            assertThat(line.path("message").asText()).contains(eventId).contains("reached the external system")
                    .contains("could not record its outcome").contains("imsi:255010000000777");
        });
    }

    /** A store whose finishes fail, as PostgreSQL's do when its connection drops after the claim. */
    private record FinishFails(StateStore store) implements StateStore {

        @Override
        public Claim claim(Claim.Request request) {
            Claim claim = store.claim(request);
            if (!(claim instanceof Claim.Claimed claimed)) {
                return claim;
            }
            Delivery delivery = claimed.delivery();
            return new Claim.Claimed(new Delivery() {
                @Override
                public boolean holdsSubscriber() {
                    return delivery.holdsSubscriber();
                }

                @Override
                public Optional<Instant> lastApplied() {
                    return delivery.lastApplied();
                }

                @Override
                public void finish(Outcome outcome, Instant applied, EventFingerprint fingerprint, Instant receivedAt, Journal.Record journal) {
                    throw new StateStoreException("finishing", new java.sql.SQLException("the connection dropped"));
                }

                @Override
                public void close() {
                    delivery.close();
                }
            });
        }

        @Override
        public Optional<Outcome> finished(String eventId) {
            return store.finished(eventId);
        }

        @Override
        public void journalRefusal(String eventId, String eventType, String instance, Instant receivedAt, Outcome.Failed outcome) {
            store.journalRefusal(eventId, eventType, instance, receivedAt, outcome);
        }

        @Override
        public Optional<Instant> lastApplied(String subscriber) {
            return store.lastApplied(subscriber);
        }

        @Override
        public List<Journal.Entry> journal(Journal.Query query) {
            return store.journal(query);
        }

        @Override
        public Optional<byte[]> journalBody(String eventId, Instant keptSince) {
            return store.journalBody(eventId, keptSince);
        }

        @Override
        public void purgeFinishedBefore(Instant cutoff) {
            store.purgeFinishedBefore(cutoff);
        }

        @Override
        public void purgeJournalBodiesBefore(Instant cutoff) {
            store.purgeJournalBodiesBefore(cutoff);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
