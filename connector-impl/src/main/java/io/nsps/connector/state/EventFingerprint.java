package io.nsps.connector.state;

import java.time.Instant;

/**
 * What tells two deliveries with one {@code event_id} apart: a hash of the event's {@code data}
 * (the ESPF event as PortaBilling sent it; NSPS may enrich {@code pb_data} anew and restamp
 * {@code updated_at} on a retry, so those are left out) and its event time to the second, both kept
 * with the finished event ({@code processing.EventIdentity} makes it). Only compared to warn an
 * operator, so 32 bits of hash are plenty.
 *
 * @param eventTime the event's time to the second, or null when it has none (or is beyond 2106)
 */
public record EventFingerprint(int dataHash, Instant eventTime) {

    public EventFingerprint {
        eventTime = eventTime == null ? null : Instant.ofEpochSecond(eventTime.getEpochSecond());
    }

    /** The hash in the top 32 bits, the time as unsigned epoch seconds (0: none) in the bottom 32. */
    public long packed() {
        long seconds = eventTime == null || eventTime.getEpochSecond() <= 0 || eventTime.getEpochSecond() > 0xFFFF_FFFFL
                ? 0 : eventTime.getEpochSecond();
        return (long) dataHash << 32 | seconds;
    }

    public static EventFingerprint unpacked(long packed) {
        long seconds = packed & 0xFFFF_FFFFL;
        return new EventFingerprint((int) (packed >>> 32), seconds == 0 ? null : Instant.ofEpochSecond(seconds));
    }

    /** Whether this delivery carries other data than the one it is compared with. */
    public boolean differsFrom(EventFingerprint first) {
        return first != null && first.dataHash != dataHash;
    }
}
