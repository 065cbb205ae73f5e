package io.nsps.connector.state.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.nsps.connector.outcome.Outcome;
import io.nsps.connector.state.Journal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The memory journal's bounds: entries in a ring, bodies in one array written round. */
final class MemoryJournalTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void keepsTheNewestEntriesUpToItsBoundNewestFirst() {
        MemoryJournal journal = new MemoryJournal(3, 1024);
        for (int i = 1; i <= 5; i++) {
            journal.add(entry("e" + i, i), null);
        }

        List<Journal.Entry> found = journal.find(Journal.Query.latest(10));
        assertThat(found).extracting(Journal.Entry::eventId).containsExactly("e5", "e4", "e3");
        assertThat(found).extracting(Journal.Entry::id).containsExactly(5L, 4L, 3L);
    }

    @Test
    void bodiesSurviveUntilLaterOnesWriteOverThemIncludingAcrossTheArraysEnd() {
        // 10-byte bodies in 25 bytes: two and a half fit, so every third one wraps around the end.
        MemoryJournal journal = new MemoryJournal(100, 25);
        for (int i = 0; i < 20; i++) {
            journal.add(entry("e" + i, i), body(i));
        }

        for (int i = 0; i < 20; i++) {
            boolean intact = i >= 18; // 18 and 19 are the 20 newest bytes; 17 was half overwritten
            assertThat(journal.body("e" + i, T0).map(String::new)).as("body of e%d", i).isEqualTo(intact ? Optional.of(text(i)) : Optional.empty());
        }
        assertThat(journal.find(Journal.Query.latest(3))).extracting(Journal.Entry::bodyKept).containsExactly(true, true, false);
    }

    @Test
    void everyWrappedBodyReadsBackAsItWasWritten() {
        MemoryJournal journal = new MemoryJournal(1000, 97);
        for (int i = 0; i < 500; i++) {
            byte[] body = body(i, 1 + i % 40);
            journal.add(entry("e" + i, i), body);
            assertThat(journal.body("e" + i, T0)).as("body of e%d", i).hasValueSatisfying(read -> assertThat(read).isEqualTo(body));
        }
    }

    @Test
    void theArrayStartsSmallAndGrowsWithTheBodiesToItsBoundKeepingEveryBodyUntilThen() {
        int bound = 1 << 20;
        MemoryJournal journal = new MemoryJournal(1000, bound);
        assertThat(journal.bodyCapacity()).isEqualTo(MemoryJournal.INITIAL_BODY_BYTES);

        // 10 000-byte bodies: the 104 first fit within the bound; the array grows under them, none moves.
        List<byte[]> written = IntStream.range(0, 110).mapToObj(i -> body(i, 10_000)).toList();
        for (int i = 0; i < 104; i++) {
            journal.add(entry("e" + i, i), written.get(i));
            assertThat(journal.bodyCapacity()).as("after %d bodies", i + 1).isGreaterThanOrEqualTo((i + 1) * 10_000).isLessThanOrEqualTo(bound);
        }
        for (int i = 0; i < 104; i++) {
            assertThat(journal.body("e" + i, T0)).as("body of e%d", i).isPresent().contains(written.get(i));
        }

        // Past the bound it is written round, as an array of that size from the start would be.
        for (int i = 104; i < 110; i++) {
            journal.add(entry("e" + i, i), written.get(i));
        }
        assertThat(journal.bodyCapacity()).isEqualTo(bound);
        for (int i = 0; i < 110; i++) {
            boolean kept = (110 - i) * 10_000 <= bound; // the 104 newest
            assertThat(journal.body("e" + i, T0).isPresent()).as("body of e%d kept", i).isEqualTo(kept);
        }
        for (int i = 6; i < 110; i++) {
            assertThat(journal.body("e" + i, T0)).as("body of e%d", i).isPresent().contains(written.get(i));
        }
    }

    @Test
    void growingToABoundThatIsNoPowerOfTwoAndWrappingThereKeepsTheRule() {
        // 60 000 bytes fit the first 64 KiB; the next 50 000 grow the array to its bound of 100 000 and wrap round.
        MemoryJournal journal = new MemoryJournal(10, 100_000);
        byte[] first = body(1, 60_000);
        byte[] second = body(2, 50_000);
        journal.add(entry("first", 0), first);
        journal.add(entry("second", 1), second);

        assertThat(journal.bodyCapacity()).isEqualTo(100_000);
        assertThat(journal.body("first", T0)).as("10 000 of its bytes written over").isEmpty();
        assertThat(journal.body("second", T0)).hasValueSatisfying(read -> assertThat(read).isEqualTo(second));

        byte[] whole = body(3, 100_000);
        journal.add(entry("whole", 2), whole);
        assertThat(journal.body("whole", T0)).as("a body the size of the bound").hasValueSatisfying(read -> assertThat(read).isEqualTo(whole));
        assertThat(journal.body("second", T0)).isEmpty();
    }

    @Test
    void aFirstBodyLargerThanTheArraysFirstSizeIsKept() {
        MemoryJournal journal = new MemoryJournal(10, 1 << 20);
        byte[] large = body(7, 3 * MemoryJournal.INITIAL_BODY_BYTES + 1);
        journal.add(entry("large", 0), large);

        assertThat(journal.body("large", T0)).hasValueSatisfying(read -> assertThat(read).isEqualTo(large));
    }

    @Test
    void aBodyLargerThanTheArrayIsNotKeptAndTakesNoOtherBodysPlace() {
        MemoryJournal journal = new MemoryJournal(10, 16);
        journal.add(entry("small", 0), body(0));
        journal.add(entry("large", 1), new byte[17]);

        assertThat(journal.body("large", T0)).isEmpty();
        assertThat(journal.body("small", T0).map(String::new)).contains(text(0));
        assertThat(journal.find(Journal.Query.latest(1)).get(0).bodyKept()).isFalse();
    }

    @Test
    void bodiesFinishedBeforeTheRetentionsCutoffAreDroppedTheirEntriesStay() {
        MemoryJournal journal = new MemoryJournal(10, 1024);
        journal.add(entry("old", 0), body(0));
        journal.add(entry("new", 60), body(1));

        journal.dropBodiesBefore(T0.plusSeconds(30));

        assertThat(journal.body("old", T0)).isEmpty();
        assertThat(journal.body("new", T0).map(String::new)).contains(text(1));
        assertThat(journal.find(Journal.Query.latest(10))).extracting(Journal.Entry::eventId).containsExactly("new", "old");
    }

    @Test
    void withoutEntriesNothingIsKept() {
        MemoryJournal journal = new MemoryJournal(0, 1024);
        journal.add(entry("e", 0), body(0));

        assertThat(journal.find(Journal.Query.latest(10))).isEmpty();
        assertThat(journal.body("e", T0)).isEmpty();
    }

    private static Journal.Entry entry(String eventId, int second) {
        Instant at = T0.plusSeconds(second);
        return new Journal.Entry(0, eventId, "SIM/Updated", "imsi:001010000000001", null, "a", at, at,
                new Outcome.Done(Outcome.Done.Result.PROCESSED, "ok"), List.of(), false, true);
    }

    private static byte[] body(int i) {
        return text(i).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(int i) {
        return String.format("{\"n\":%04d}", i); // 10 bytes
    }

    private static byte[] body(int seed, int length) {
        byte[] body = new byte[length];
        IntStream.range(0, length).forEach(i -> body[i] = (byte) (seed * 31 + i));
        return body;
    }
}
