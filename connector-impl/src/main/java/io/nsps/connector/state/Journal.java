package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import java.time.Instant;
import java.util.List;

/**
 * The journal of deliveries: what each finished delivery was and became, kept by the state store
 * ({@code nsps_event_journal} with PostgreSQL, a bounded ring in memory) for the operator's
 * {@code journal} and {@code replay} commands.
 */
public final class Journal {

    private Journal() {
    }

    /** One call a handler made to its external system for the delivery; {@code status} 0 when no answer came. */
    public record UpstreamCall(String handler, String action, int status, long millis) {
    }

    /**
     * What a delivery adds to its journal entry beside its outcome.
     *
     * @param body the event as it was received, kept for {@code JOURNAL_BODY_RETENTION} for a replay; null to keep none
     * @param replay whether the operator's replay ran it
     */
    public record Record(List<UpstreamCall> calls, byte[] body, boolean replay) {

        public static final Record NONE = new Record(List.of(), null, false);

        public Record {
            calls = List.copyOf(calls);
        }
    }

    /** One finished delivery, as the journal keeps it. */
    public record Entry(long id, String eventId, String eventType, String subscriber, String instance, Instant receivedAt,
                        Instant finishedAt, Outcome outcome, List<UpstreamCall> calls, boolean replay, boolean bodyKept) {

        public Entry {
            calls = List.copyOf(calls);
        }
    }

    /**
     * What to list: the newest first, at most {@code limit}; each filter null or false when unused.
     *
     * @param failedOnly only the events whose latest delivery did not end done (failed, or deferred):
     *     each such event's latest entry; an event that failed and then succeeded is not listed
     */
    public record Query(boolean failedOnly, String subscriber, String eventId, Instant since, int limit) {

        public static Query latest(int limit) {
            return new Query(false, null, null, null, limit);
        }

        /** Whether the entry matches; with {@code failedOnly}, the caller also keeps each event's latest entry only. */
        public boolean matches(Entry entry) {
            return (!failedOnly || !(entry.outcome() instanceof Outcome.Done))
                    && (subscriber == null || subscriber.equals(entry.subscriber()))
                    && (eventId == null || eventId.equals(entry.eventId()))
                    && (since == null || !entry.finishedAt().isBefore(since));
        }
    }
}
