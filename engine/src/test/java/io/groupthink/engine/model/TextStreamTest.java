package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.TestModels;
import io.groupthink.engine.tokenizer.TextStream;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming UTF-8 across byte-fallback tokens: stories260K's 512-token vocabulary has no emoji or
 * CJK pieces, so those become one {@code <0xNN>} token per byte, and a prefix of the ids can end
 * inside a character.
 */
class TextStreamTest {

    private static final int FIRST_BYTE_TOKEN = 3; // <0x00>
    private static final int LAST_BYTE_TOKEN = 258; // <0xFF>

    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestModels.stories().resolve(ModelFolder.TOKENIZER), 512);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private record Streamed(List<String> deltas, String joined, String flushed) {}

    private static Streamed stream(int contextId, int[] ids) {
        TextStream s = new TextStream(tokenizer, contextId);
        List<String> deltas = new ArrayList<>();
        StringBuilder joined = new StringBuilder();
        for (int id : ids) {
            String d = s.push(id);
            deltas.add(d);
            joined.append(d);
        }
        String rest = s.flush();
        return new Streamed(deltas, joined.toString(), rest);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Lily saw a cat 😀 and said 日本語!",
        "😀",
        "日本",
        "a 🐱🐶 b",
        "tea ☕ é ü ß ok",
        "𝄞 music",
    })
    void deltasJoinToTheDecodedTextWithNoReplacementCharacter(String text) {
        int[] ids = tokenizer.encode(text, false);
        assertThat(Arrays.stream(ids).filter(id -> id >= FIRST_BYTE_TOKEN && id <= LAST_BYTE_TOKEN).count())
                .as("byte-fallback tokens in %s", Arrays.toString(ids))
                .isGreaterThanOrEqualTo(2);
        String decoded = tokenizer.decodeText(ids);
        assertThat(decoded).isEqualTo(text); // the tokenizer is lossless on these

        Streamed s = stream(-1, ids);

        assertThat(s.joined()).isEqualTo(decoded);
        assertThat(s.flushed()).isEmpty();
        for (String d : s.deltas()) {
            assertThat(d).doesNotContain("\uFFFD");
            assertThat(d.isEmpty() || !Character.isHighSurrogate(d.charAt(d.length() - 1)))
                    .as("delta %s ends with half a surrogate pair", d).isTrue();
        }
        // A 4-byte character is held back for three pushes and released whole on the fourth.
        assertThat(s.deltas()).contains("");
    }

    @Test
    void emojiArrivesWholeOnItsLastByte() {
        int[] ids = tokenizer.encode("😀", false);
        Streamed s = stream(-1, ids);
        // Everything before the emoji's last byte token is held back; the final push releases it.
        String last = s.deltas().get(s.deltas().size() - 1);
        assertThat(last).endsWith("😀");
        assertThat(String.join("", s.deltas().subList(0, s.deltas().size() - 1))).doesNotContain("😀");
        assertThat(s.joined().strip()).isEqualTo("😀");
    }

    @Test
    void withAContextTokenTheLeadingSpaceIsKept() {
        int[] prompt = tokenizer.encode("Once upon a time", false);
        int[] ids = tokenizer.encode(" 日本 and 😀 there", false);
        int[] tail = Arrays.copyOfRange(ids, 1, ids.length); // drop the leading "▁" the normalizer prepended
        int context = prompt[prompt.length - 1];
        Streamed s = stream(context, tail);
        int[] all = new int[tail.length + 1];
        all[0] = context;
        System.arraycopy(tail, 0, all, 1, tail.length);
        String expected = tokenizer.decodeText(all).substring(tokenizer.decodeText(new int[] {context}).length());
        assertThat(s.joined()).isEqualTo(expected);
        assertThat(s.joined()).contains("日本").contains("😀");
        assertThat(s.deltas()).noneMatch(d -> d.contains("\uFFFD"));
    }

    @Test
    void anIncompleteTailIsHeldBackAndFlushedAtTheEnd() {
        int[] ids = tokenizer.encode("ok 😀", false);
        int[] cut = Arrays.copyOf(ids, ids.length - 2); // the emoji's last two bytes never come
        Streamed s = stream(-1, cut);
        assertThat(s.joined()).isEqualTo("ok ");
        assertThat(s.deltas()).noneMatch(d -> d.contains("\uFFFD"));
        // What is left is the decoder's rendering of two orphan bytes; flush hands it out rather than lose it.
        assertThat(s.flushed()).isNotEmpty();
    }
}
