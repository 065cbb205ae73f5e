package io.nsps.connector.state.memory;

import io.nsps.connector.state.Journal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The memory store's journal: the latest deliveries in a ring of at most {@code maxEntries}, and
 * their bodies within {@code maxBodyBytes} in all (the oldest bodies go first, their entries
 * stay). Forgotten on restart, as the rest of the memory store.
 *
 * <p>The bodies are copied into one array written round: a body kept as its own array lives for
 * thousands of events, so it reaches the old generation, and under load those arrays turned into a
 * full collection a second and a p99 of 40 ms instead of 12 (docs/performance.md, "The memory
 * store's journal"). The array starts at {@link #INITIAL_BODY_BYTES} and doubles as bodies come,
 * up to {@code maxBodyBytes}, so a connector that has seen few events does not hold (and zero, and
 * keep resident) the whole bound; it is written round only once it has reached it. A body is still
 * there while fewer than {@code maxBodyBytes} have been written after it.
 */
final class MemoryJournal {

    /** Largest body ring: one array, so within what Java allocates (JOURNAL_MEMORY_MAX_BODY_BYTES' bound). */
    static final long MAX_BODY_BYTES = 1L << 30;
    /** The body array's first size (or the bound, when smaller). */
    static final int INITIAL_BODY_BYTES = 64 * 1024;

    private final int maxEntries;
    private final int maxBodyBytes;
    /** Grows until {@link #maxBodyBytes}; until then no body has wrapped round, so none moves when it grows. */
    private byte[] bodies;
    /** Bytes written to {@link #bodies} since the start: the next body starts at {@code written % bodies.length}. */
    private long written;
    private final ArrayDeque<Kept> entries = new ArrayDeque<>();
    private long nextId = 1;

    /** An entry and where its body starts in the stream of bodies written ({@code NO_BODY} if none or dropped). */
    private static final class Kept {
        static final long NO_BODY = -1;
        final Journal.Entry entry;
        long bodyStart;
        final int bodyLength;

        Kept(Journal.Entry entry, long bodyStart, int bodyLength) {
            this.entry = entry;
            this.bodyStart = bodyStart;
            this.bodyLength = bodyLength;
        }
    }

    MemoryJournal(int maxEntries, long maxBodyBytes) {
        if (maxBodyBytes > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("At most " + MAX_BODY_BYTES + " bytes of bodies, not " + maxBodyBytes);
        }
        this.maxEntries = maxEntries;
        this.maxBodyBytes = maxEntries == 0 ? 0 : (int) maxBodyBytes;
        this.bodies = new byte[Math.min(this.maxBodyBytes, INITIAL_BODY_BYTES)];
    }

    synchronized void add(Journal.Entry entry, byte[] body) {
        if (maxEntries == 0) {
            return;
        }
        Journal.Entry numbered = entry.kept(nextId++, body != null);
        long bodyStart = Kept.NO_BODY;
        if (body != null && body.length <= maxBodyBytes && maxBodyBytes > 0) {
            makeRoom(body.length);
            bodyStart = written;
            int at = (int) (written % bodies.length);
            int first = Math.min(body.length, bodies.length - at);
            System.arraycopy(body, 0, bodies, at, first);
            System.arraycopy(body, first, bodies, 0, body.length - first);
            written += body.length;
        }
        entries.addLast(new Kept(numbered, bodyStart, body == null ? 0 : body.length));
        if (entries.size() > maxEntries) {
            entries.removeFirst();
        }
    }

    /** Grows the array (at least doubling, at most to the bound) when {@code length} more bytes would wrap it before the bound. */
    private void makeRoom(int length) {
        if (bodies.length < maxBodyBytes && written + length > bodies.length) {
            long grown = Math.max(2L * bodies.length, written + length);
            bodies = Arrays.copyOf(bodies, (int) Math.min(maxBodyBytes, grown));
        }
    }

    /** The body array's current size. */
    synchronized int bodyCapacity() {
        return bodies.length;
    }

    synchronized List<Journal.Entry> find(Journal.Query query) {
        List<Journal.Entry> found = new ArrayList<>();
        Set<String> newer = new HashSet<>();
        for (Iterator<Kept> newest = entries.descendingIterator(); newest.hasNext() && found.size() < query.limit(); ) {
            Kept kept = newest.next();
            // Deliveries without an event id (refused for it) are each an event of their own.
            boolean latest = kept.entry.eventId().isEmpty() || newer.add(kept.entry.eventId());
            Journal.Entry entry = kept.entry.bodyKept() && !hasBody(kept) ? kept.entry.kept(kept.entry.id(), false) : kept.entry;
            if ((latest || !query.failedOnly()) && query.matches(entry)) {
                found.add(entry);
            }
        }
        return found;
    }

    /** The newest body of the event finished at or after {@code keptSince}. */
    synchronized Optional<byte[]> body(String eventId, Instant keptSince) {
        for (Iterator<Kept> newest = entries.descendingIterator(); newest.hasNext(); ) {
            Kept kept = newest.next();
            if (kept.entry.eventId().equals(eventId) && hasBody(kept) && !kept.entry.finishedAt().isBefore(keptSince)) {
                byte[] body = new byte[kept.bodyLength];
                int at = (int) (kept.bodyStart % bodies.length);
                int first = Math.min(body.length, bodies.length - at);
                System.arraycopy(bodies, at, body, 0, first);
                System.arraycopy(bodies, 0, body, first, body.length - first);
                return Optional.of(body);
            }
        }
        return Optional.empty();
    }

    synchronized void dropBodiesBefore(Instant cutoff) {
        for (Kept kept : entries) {
            if (kept.entry.finishedAt().isBefore(cutoff)) {
                kept.bodyStart = Kept.NO_BODY;
            }
        }
    }

    /** Whether the entry's body is kept and not yet written over by later ones. */
    private boolean hasBody(Kept kept) {
        return kept.bodyStart != Kept.NO_BODY && written - kept.bodyStart <= bodies.length;
    }
}
