package io.nsps.connector.state.memory;

import io.nsps.connector.state.Journal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The memory store's journal: the latest deliveries in a ring of at most {@code maxEntries}, and
 * their bodies within {@code maxBodyBytes} in all (the oldest bodies go first, their entries
 * stay). Forgotten on restart, as the rest of the memory store.
 */
final class MemoryJournal {

    private final int maxEntries;
    private final long maxBodyBytes;
    private final ArrayDeque<Kept> entries = new ArrayDeque<>();
    private long bodyBytes;
    private long nextId = 1;

    /** An entry and the body kept with it (null once dropped). */
    private static final class Kept {
        final Journal.Entry entry;
        byte[] body;

        Kept(Journal.Entry entry, byte[] body) {
            this.entry = entry;
            this.body = body;
        }
    }

    MemoryJournal(int maxEntries, long maxBodyBytes) {
        this.maxEntries = maxEntries;
        this.maxBodyBytes = maxBodyBytes;
    }

    synchronized void add(Journal.Entry entry, byte[] body) {
        if (maxEntries == 0) {
            return;
        }
        Journal.Entry numbered = new Journal.Entry(nextId++, entry.eventId(), entry.eventType(), entry.subscriber(), entry.instance(),
                entry.receivedAt(), entry.finishedAt(), entry.outcome(), entry.calls(), entry.replay(), body != null);
        byte[] kept = body != null && body.length <= maxBodyBytes ? body : null;
        entries.addLast(new Kept(numbered, kept));
        bodyBytes += kept == null ? 0 : kept.length;
        while (entries.size() > maxEntries) {
            Kept oldest = entries.removeFirst();
            bodyBytes -= oldest.body == null ? 0 : oldest.body.length;
        }
        for (Iterator<Kept> oldest = entries.iterator(); bodyBytes > maxBodyBytes && oldest.hasNext(); ) {
            dropBody(oldest.next());
        }
    }

    synchronized List<Journal.Entry> find(Journal.Query query) {
        List<Journal.Entry> found = new ArrayList<>();
        for (Iterator<Kept> newest = entries.descendingIterator(); newest.hasNext() && found.size() < query.limit(); ) {
            Kept kept = newest.next();
            Journal.Entry entry = kept.body == null && kept.entry.bodyKept() ? withoutBody(kept.entry) : kept.entry;
            if (query.matches(entry)) {
                found.add(entry);
            }
        }
        return found;
    }

    synchronized Optional<byte[]> body(String eventId) {
        for (Iterator<Kept> newest = entries.descendingIterator(); newest.hasNext(); ) {
            Kept kept = newest.next();
            if (kept.entry.eventId().equals(eventId) && kept.body != null) {
                return Optional.of(kept.body);
            }
        }
        return Optional.empty();
    }

    synchronized void dropBodiesBefore(Instant cutoff) {
        for (Kept kept : entries) {
            if (kept.entry.finishedAt().isBefore(cutoff)) {
                dropBody(kept);
            }
        }
    }

    private void dropBody(Kept kept) {
        if (kept.body != null) {
            bodyBytes -= kept.body.length;
            kept.body = null;
        }
    }

    private static Journal.Entry withoutBody(Journal.Entry entry) {
        return new Journal.Entry(entry.id(), entry.eventId(), entry.eventType(), entry.subscriber(), entry.instance(), entry.receivedAt(),
                entry.finishedAt(), entry.outcome(), entry.calls(), entry.replay(), false);
    }
}
