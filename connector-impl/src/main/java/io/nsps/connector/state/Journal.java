package io.nsps.connector.state;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.spi.ConfigValues;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The journal of deliveries: what each finished delivery was and became, kept by the state store
 * ({@code nsps_event_journal} with PostgreSQL, a bounded ring in memory) for the operator's
 * {@code journal} and {@code replay} commands.
 */
public final class Journal {

    /** The prefix of a subscriber named by its SIM's IMSI: {@code imsi:255010000020349}. */
    public static final String IMSI_SUBSCRIBER = "imsi:";
    /** The prefix of a subscriber named by its account: {@code account:1000889}. */
    public static final String ACCOUNT_SUBSCRIBER = "account:";
    /** The most entries one query returns (and the most events one replay runs). */
    public static final int MAX_LIMIT = 1000;
    /** The entries a query returns when it says no limit. */
    public static final int DEFAULT_LIMIT = 100;

    private Journal() {
    }

    /*
     * The rules of a query's parameters, in one place for the management port (which refuses a
     * breach with a 400) and the operator's commands (which refuse it as a usage error before
     * asking). Each throws IllegalArgumentException with a message that says the accepted form.
     */

    /** The longest window back: far beyond any journal's age, and within every store's dates (PostgreSQL's end at 4713 BC). */
    public static final Duration MAX_SINCE = Duration.ofDays(36_500);

    /** A window back from now: a duration ({@code 2h}, {@code 30m}, {@code 7d}), at most {@link #MAX_SINCE}. */
    public static Duration parseSince(String text) {
        Duration since = ConfigValues.parseDuration(text);
        if (since.compareTo(MAX_SINCE) > 0) {
            throw new IllegalArgumentException("at most " + ConfigValues.formatDuration(MAX_SINCE) + ", got " + text);
        }
        return since;
    }

    /** A limit: a whole number from 1 to {@link #MAX_LIMIT}. */
    public static int parseLimit(String text) {
        return (int) ConfigValues.parseWholeNumber(text, 1, MAX_LIMIT);
    }

    /**
     * A subscriber as the journal names it: {@code imsi:} and the SIM's IMSI, or {@code account:}
     * and the account's {@code i_account} (processing's {@code EventIdentity} names them so).
     */
    public static String parseSubscriber(String text) {
        for (String prefix : List.of(IMSI_SUBSCRIBER, ACCOUNT_SUBSCRIBER)) {
            if (text.startsWith(prefix) && !text.substring(prefix.length()).isBlank()) {
                return text;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a subscriber; write it like " + IMSI_SUBSCRIBER + "255010000020349 or "
                + ACCOUNT_SUBSCRIBER + "1000889");
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

    /**
     * One finished delivery, as the journal keeps it.
     *
     * @param subscriber the subscriber the event changes, or null
     * @param previousSubscriber the other one it changes, or null: the previous SIM of a replacement
     *     ({@code imsi:<pb_data.prev_sim_info.imsi>}), so that a query for either finds it
     */
    public record Entry(long id, String eventId, String eventType, String subscriber, String previousSubscriber, String instance,
                        Instant receivedAt, Instant finishedAt, Outcome outcome, List<UpstreamCall> calls, boolean replay,
                        boolean bodyKept) {

        public Entry {
            calls = List.copyOf(calls);
        }

        /** The same entry with the journal's id, and whether its body is (still) kept. */
        public Entry kept(long id, boolean bodyKept) {
            return new Entry(id, eventId, eventType, subscriber, previousSubscriber, instance, receivedAt, finishedAt, outcome, calls,
                    replay, bodyKept);
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
                    && (subscriber == null || subscriber.equals(entry.subscriber()) || subscriber.equals(entry.previousSubscriber()))
                    && (eventId == null || eventId.equals(entry.eventId()))
                    && (since == null || !entry.finishedAt().isBefore(since));
        }
    }
}
