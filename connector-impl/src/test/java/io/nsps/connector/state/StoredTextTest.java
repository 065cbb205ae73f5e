package io.nsps.connector.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keys compared exactly and bounded; texts storable in any store. */
final class StoredTextTest {

    @Test
    void plainKeysAreKeptAsTheyAre() {
        assertThat(StoredText.key("3e84c79f-ab6f-4546-8e27-0b6ab866f1fb")).isEqualTo("3e84c79f-ab6f-4546-8e27-0b6ab866f1fb");
        assertThat(StoredText.key("test-12345")).isEqualTo("test-12345");
        assertThat(StoredText.key("imsi:255010000020349")).isEqualTo("imsi:255010000020349");
        assertThat(StoredText.key("Київ")).isEqualTo("Київ");
    }

    @Test
    void keysThatCannotBeStoredAsGivenBecomeDistinctDigests() {
        String nul = StoredText.key("a\u0000b");
        String high = StoredText.key("id-\ud800");
        String low = StoredText.key("id-\udc00");
        String replacement = StoredText.key("id-\ufffd");
        String emoji = StoredText.key("id-\ud834\udd1e");
        String longKey = StoredText.key("x".repeat(201));

        for (String key : new String[] {nul, high, low, emoji, longKey}) {
            assertThat(key).startsWith(StoredText.DIGEST_PREFIX).hasSize(71);
        }
        assertThat(high).isNotEqualTo(low);
        assertThat(replacement).isEqualTo("id-\ufffd");
        assertThat(StoredText.key("x".repeat(200))).isEqualTo("x".repeat(200));
        assertThat(StoredText.key("a\u0000b")).isEqualTo(nul);
    }

    @Test
    void anIdLookingLikeADigestIsDigestedItselfSoNoIdPassesForAnother() {
        String digest = StoredText.key("a\u0000b");

        assertThat(StoredText.key(digest)).startsWith(StoredText.DIGEST_PREFIX).isNotEqualTo(digest);
    }

    @Test
    void textsLoseNulAndLoneSurrogatesAndAreCut() {
        assertThat(io.nsps.connector.outcome.Texts.storable("a\u0000b\ud800c\udc00d", 100)).isEqualTo("a\ufffdb\ufffdc\ufffdd");
        assertThat(io.nsps.connector.outcome.Texts.storable("ok \ud834\udd1e", 100)).isEqualTo("ok \ud834\udd1e");
        assertThat(io.nsps.connector.outcome.Texts.storable("abc\ud834\udd1e", 4)).isEqualTo("abc...");
        assertThat(io.nsps.connector.outcome.Texts.storable("x".repeat(10), 5)).isEqualTo("xxxxx...");
        assertThat(io.nsps.connector.outcome.Texts.storable(null, 5)).isNull();
    }
}
