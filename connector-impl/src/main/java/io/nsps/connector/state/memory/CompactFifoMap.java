package io.nsps.connector.state.memory;

/**
 * A bounded map in write order, kept in flat arrays so that an entry costs ~40 bytes of heap (~50
 * with a number) and no object of its own, and is invisible to the garbage collector's work (no
 * references to trace when its key is a number and its value a shared object or a number).
 *
 * <p>A key is two longs, or a text (any object with {@code equals}/{@code hashCode}) when it cannot
 * be put as numbers: the caller encodes it and computes its {@link #hash}. A value is an object, and
 * a long when the map is made {@code withNumbers} (a column of 8 bytes per entry otherwise not kept).
 * Entries live in a ring in the order they were written: {@link #put} writes an entry anew at the
 * end (a key written again moves there), the oldest goes when the ring is at its maximum, and
 * {@link #removeWrittenBefore} drops the oldest by age. A removed entry's slot is reclaimed when the
 * ring is compacted, which it is when removed slots are more than an eighth of a full ring: a full
 * map holds at least 7/8 of its maximum. The arrays start small and double up to the
 * maximum. Lookups go through an open-addressing index of ring positions (linear probing, at most
 * half full, deletion by backward shift).
 *
 * <p>Not thread-safe: the caller holds a lock. A slot number stays valid until the next
 * {@link #put}, {@link #remove} or {@link #removeWrittenBefore}.
 */
final class CompactFifoMap {

    private static final long DEAD = Long.MIN_VALUE;
    private static final int FIRST_LENGTH = 64;

    private final int maxEntries;
    private final boolean withNumbers;
    private long[] hi;
    private long[] lo;
    private Object[] text;
    private long[] writtenAt;
    /** Null unless {@link #withNumbers}. */
    private long[] values;
    private Object[] refs;
    /** Ring slot + 1 per position; 0 is empty. */
    private int[] index;
    private int head;
    /** Slots in use, from {@code head}, removed ones included until they are passed or compacted. */
    private int used;
    private int removed;

    /** @param withNumbers whether entries have a long value ({@link #value}) besides their object */
    CompactFifoMap(int maxEntries, boolean withNumbers) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.withNumbers = withNumbers;
        allocate(Math.min(maxEntries, FIRST_LENGTH));
    }

    /** The hash of a key, spread over all 32 bits; the caller may use its top bits to pick among maps. */
    static int hash(long hi, long lo, Object text) {
        long h = text != null ? text.hashCode() : hi * 0x9E3779B97F4A7C15L + lo;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    /** The slot of the key, or -1. */
    int find(long hi, long lo, Object text, int hash) {
        int mask = index.length - 1;
        for (int position = hash & mask; ; position = (position + 1) & mask) {
            int entry = index[position];
            if (entry == 0) {
                return -1;
            }
            int slot = entry - 1;
            if (matches(slot, hi, lo, text)) {
                return slot;
            }
        }
    }

    /**
     * Writes the key as the newest entry, with a zero value and no object, and returns its slot. A
     * previous entry of the key is removed; the oldest entry goes when the map holds its maximum.
     */
    int put(long hi, long lo, Object text, int hash, long writtenAtMillis) {
        int existing = find(hi, lo, text, hash);
        if (existing >= 0) {
            remove(existing);
        }
        int length = this.hi.length;
        if (used == length) {
            if (removed > length / 8) {
                rebuild(length);
            } else if (length < maxEntries) {
                rebuild((int) Math.min(maxEntries, 2L * length));
            } else {
                removeOldest();
            }
        }
        int slot = (head + used) % this.hi.length;
        used++;
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        this.text[slot] = text;
        writtenAt[slot] = writtenAtMillis;
        if (values != null) {
            values[slot] = 0;
        }
        refs[slot] = null;
        insert(slot, hash);
        return slot;
    }

    /** Removes the entry in this slot. */
    void remove(int slot) {
        unindex(slot);
        markRemoved(slot);
    }

    /** Removes the entries written before the cut-off, oldest first (write order). */
    void removeWrittenBefore(long cutoffMillis) {
        while (used > 0 && (writtenAt[head] == DEAD || writtenAt[head] < cutoffMillis)) {
            removeOldest();
        }
    }

    /** @throws UnsupportedOperationException unless the map was made {@code withNumbers} */
    long value(int slot) {
        return numbers()[slot];
    }

    /** @throws UnsupportedOperationException unless the map was made {@code withNumbers} */
    void value(int slot, long value) {
        numbers()[slot] = value;
    }

    Object ref(int slot) {
        return refs[slot];
    }

    void ref(int slot, Object ref) {
        refs[slot] = ref;
    }

    /** Entries present. */
    int size() {
        return used - removed;
    }

    /** Slots the arrays have room for now (grows to the maximum). */
    int capacity() {
        return hi.length;
    }

    void clear() {
        allocate(Math.min(maxEntries, FIRST_LENGTH));
    }

    private long[] numbers() {
        if (values == null) {
            throw new UnsupportedOperationException("this map keeps no numbers");
        }
        return values;
    }

    private boolean matches(int slot, long hi, long lo, Object text) {
        Object own = this.text[slot];
        return own != null ? own.equals(text) : text == null && this.hi[slot] == hi && this.lo[slot] == lo;
    }

    private int hashOf(int slot) {
        return hash(hi[slot], lo[slot], text[slot]);
    }

    private void removeOldest() {
        if (writtenAt[head] != DEAD) {
            unindex(head);
        } else {
            removed--;
        }
        text[head] = null;
        refs[head] = null;
        head = (head + 1) % hi.length;
        used--;
    }

    private void markRemoved(int slot) {
        writtenAt[slot] = DEAD;
        text[slot] = null;
        refs[slot] = null;
        removed++;
    }

    private void insert(int slot, int hash) {
        int mask = index.length - 1;
        int position = hash & mask;
        while (index[position] != 0) {
            position = (position + 1) & mask;
        }
        index[position] = slot + 1;
    }

    /** Takes the slot out of the index, shifting back the entries probed past it (no tombstones). */
    private void unindex(int slot) {
        int mask = index.length - 1;
        int hole = hashOf(slot) & mask;
        while (index[hole] != slot + 1) {
            hole = (hole + 1) & mask;
        }
        for (int next = (hole + 1) & mask; index[next] != 0; next = (next + 1) & mask) {
            int home = hashOf(index[next] - 1) & mask;
            // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
            boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole) {
                index[hole] = index[next];
                hole = next;
            }
        }
        index[hole] = 0;
    }

    /** New arrays of this length with the present entries in write order from slot 0. */
    private void rebuild(int length) {
        long[] oldHi = hi;
        long[] oldLo = lo;
        Object[] oldText = text;
        long[] oldWrittenAt = writtenAt;
        long[] oldValues = values;
        Object[] oldRefs = refs;
        int oldHead = head;
        int oldUsed = used;
        allocate(length);
        for (int i = 0; i < oldUsed; i++) {
            int from = (oldHead + i) % oldHi.length;
            if (oldWrittenAt[from] == DEAD) {
                continue;
            }
            int slot = used++;
            hi[slot] = oldHi[from];
            lo[slot] = oldLo[from];
            text[slot] = oldText[from];
            writtenAt[slot] = oldWrittenAt[from];
            if (values != null) {
                values[slot] = oldValues[from];
            }
            refs[slot] = oldRefs[from];
            insert(slot, hashOf(slot));
        }
    }

    private void allocate(int length) {
        hi = new long[length];
        lo = new long[length];
        text = new Object[length];
        writtenAt = new long[length];
        values = withNumbers ? new long[length] : null;
        refs = new Object[length];
        index = new int[Integer.highestOneBit(Math.max(2, length) * 2 - 1) << 1];
        head = 0;
        used = 0;
        removed = 0;
    }
}
