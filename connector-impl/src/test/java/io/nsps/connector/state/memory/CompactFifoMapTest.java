package io.nsps.connector.state.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

final class CompactFifoMapTest {

    /** A key of the map: numbers, or a text when {@code text} is set. */
    private record Key(long hi, long lo, String text) {
        int hash() {
            return CompactFifoMap.hash(hi, lo, text);
        }
    }

    private record Entry(long value, Object ref, long writtenAt) {
    }

    private static Key number(long n) {
        return new Key(n, ~n, null);
    }

    private static int put(CompactFifoMap map, Key key, long writtenAt) {
        return map.put(key.hi(), key.lo(), key.text(), key.hash(), writtenAt);
    }

    private static int find(CompactFifoMap map, Key key) {
        return map.find(key.hi(), key.lo(), key.text(), key.hash());
    }

    @Test
    void theOldestWrittenGoesWhenFull() {
        CompactFifoMap map = new CompactFifoMap(4, true);
        for (int i = 1; i <= 5; i++) {
            map.value(put(map, number(i), i), i * 10);
        }

        assertThat(find(map, number(1))).isNegative();
        for (int i = 2; i <= 5; i++) {
            assertThat(map.value(find(map, number(i)))).isEqualTo(i * 10);
        }
        assertThat(map.size()).isEqualTo(4);
    }

    @Test
    void aKeyWrittenAgainBecomesTheNewest() {
        CompactFifoMap map = new CompactFifoMap(4, true);
        for (int i = 1; i <= 4; i++) {
            put(map, number(i), i);
        }

        map.ref(put(map, number(1), 5), "again");
        put(map, number(6), 6);

        assertThat(find(map, number(2))).as("now the oldest").isNegative();
        assertThat(map.ref(find(map, number(1)))).isEqualTo("again");
        assertThat(map.value(find(map, number(1)))).as("a write starts from a zero value").isZero();
        assertThat(map.size()).isEqualTo(4);
    }

    @Test
    void entriesGoByAgeOldestFirst() {
        CompactFifoMap map = new CompactFifoMap(100, true);
        put(map, number(1), 1_000);
        put(map, number(2), 2_000);
        put(map, number(3), 3_000);

        map.removeWrittenBefore(2_500);

        assertThat(find(map, number(1))).isNegative();
        assertThat(find(map, number(2))).isNegative();
        assertThat(find(map, number(3))).isNotNegative();
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void textAndNumberKeysAreNeverEqual() {
        CompactFifoMap map = new CompactFifoMap(10, true);
        Key zeros = new Key(0, 0, null);
        Key text = new Key(0, 0, "0");
        map.ref(put(map, zeros, 1), "numbers");
        map.ref(put(map, text, 1), "text");

        assertThat(map.ref(find(map, zeros))).isEqualTo("numbers");
        assertThat(map.ref(find(map, text))).isEqualTo("text");
        assertThat(find(map, new Key(0, 0, "00"))).isNegative();
    }

    @Test
    void aMapWithoutNumbersKeepsItsObjectsAndRefusesNumbers() {
        CompactFifoMap map = new CompactFifoMap(100, false);
        for (int i = 0; i < 100; i++) {
            map.ref(put(map, number(i), i), "ref-" + i);
        }
        for (int i = 0; i < 100; i += 2) {
            map.remove(find(map, number(i)));
        }
        for (int i = 100; i < 150; i++) {
            map.ref(put(map, number(i), i), "ref-" + i);
        }

        for (int i = 1; i < 150; i += i < 100 ? 2 : 1) {
            assertThat(map.ref(find(map, number(i)))).as("entry %d, after growth and compaction", i).isEqualTo("ref-" + i);
        }
        int slot = find(map, number(1));
        assertThatThrownBy(() -> map.value(slot)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.value(slot, 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theArraysGrowWithTheEntriesUpToTheMaximumOnly() {
        CompactFifoMap map = new CompactFifoMap(1_000, true);
        assertThat(map.capacity()).isEqualTo(64);

        for (int i = 0; i < 5_000; i++) {
            put(map, number(i), i);
        }

        assertThat(map.capacity()).isEqualTo(1_000);
        assertThat(map.size()).isEqualTo(1_000);
        assertThat(find(map, number(3_999))).isNegative();
        assertThat(find(map, number(4_000))).isNotNegative();
    }

    @Test
    void removedSlotsAreReclaimedSoAFullMapKeepsItsMaximum() {
        CompactFifoMap map = new CompactFifoMap(64, true);
        for (int i = 0; i < 64; i++) {
            put(map, number(i), i);
        }
        for (int i = 0; i < 64; i += 2) {
            map.remove(find(map, number(i)));
        }

        for (int i = 64; i < 96; i++) {
            put(map, number(i), i);
        }

        assertThat(map.size()).isEqualTo(64);
        for (int i = 1; i < 96; i += i < 64 ? 2 : 1) {
            assertThat(find(map, number(i))).as("entry %d", i).isNotNegative();
        }
    }

    /**
     * Against a model (a map in write order without bound): the map holds the model's newest entries,
     * with their values, and lets one go to make room only when it holds at least 7/8 of its
     * maximum, whatever the sequence of writes, removals and expiries (few keys and a small index, so
     * that probe chains run long and wrap).
     */
    @Property(tries = 300, seed = "20261127")
    void holdsTheNewestEntriesOfAMapInWriteOrder(@ForAll long seed, @ForAll @IntRange(min = 1, max = 80) int maxEntries,
                                                 @ForAll boolean withNumbers) {
        Random random = new Random(seed);
        CompactFifoMap map = new CompactFifoMap(maxEntries, withNumbers);
        LinkedHashMap<Key, Entry> model = new LinkedHashMap<>();
        List<Key> universe = new ArrayList<>();
        for (int i = 0; i < 3 * maxEntries + 5; i++) {
            universe.add(i % 5 == 0 ? new Key(0, 0, "event-" + i) : number(i * 1_000_003L + random.nextInt(1_000)));
        }
        long time = 0;
        List<Key> held = List.of();
        for (int step = 0; step < 600; step++) {
            Key key = universe.get(random.nextInt(universe.size()));
            int operation = random.nextInt(20);
            if (operation < 14) {
                time += random.nextInt(3);
                int slot = put(map, key, time);
                long value = withNumbers ? random.nextLong() : 0;
                if (withNumbers) {
                    map.value(slot, value);
                }
                Object ref = random.nextBoolean() ? null : "ref-" + value;
                map.ref(slot, ref);
                model.remove(key);
                model.put(key, new Entry(value, ref, time));
            } else if (operation < 18) {
                int slot = find(map, key);
                if (slot >= 0) {
                    map.remove(slot);
                }
                model.remove(key);
            } else {
                long cutoff = time - random.nextInt(30);
                map.removeWrittenBefore(cutoff);
                model.values().removeIf(entry -> entry.writtenAt() < cutoff);
            }

            List<Key> newestLast = new ArrayList<>(model.keySet());
            List<Key> found = newestLast.stream().filter(each -> find(map, each) >= 0).toList();
            assertThat(found).as("step %d: the newest of the model", step)
                    .isEqualTo(newestLast.subList(newestLast.size() - found.size(), newestLast.size()));
            assertThat(universe.stream().filter(each -> find(map, each) >= 0).count()).as("nothing else").isEqualTo(found.size());
            assertThat(map.size()).isEqualTo(found.size()).isLessThanOrEqualTo(maxEntries);
            for (Key each : found) {
                if (withNumbers) {
                    assertThat(map.value(find(map, each))).isEqualTo(model.get(each).value());
                }
                assertThat(map.ref(find(map, each))).isEqualTo(model.get(each).ref());
            }
            boolean letOneGo = held.stream().anyMatch(each -> !each.equals(key) && model.containsKey(each) && find(map, each) < 0);
            if (letOneGo) {
                assertThat(held.size()).as("step %d: held when it let one go", step).isGreaterThanOrEqualTo(maxEntries - maxEntries / 8);
            }
            held = found;
        }
    }

    @Test
    void hashesSpreadSequentialKeysOverTheTopBits() {
        // The memory store picks a segment by the top 4 bits: sequential ids must not all land in one.
        Map<Integer, Integer> perSegment = new HashMap<>();
        for (long i = 0; i < 16_000; i++) {
            perSegment.merge(CompactFifoMap.hash(0x1234L, i, null) >>> 28, 1, Integer::sum);
        }
        assertThat(perSegment).hasSize(16);
        assertThat(perSegment.values()).allSatisfy(count -> assertThat(count).isBetween(800, 1_200));
    }
}
