package io.groupthink.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ModelFolder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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

    /**
     * One id's text is kept after its first decode: every id's equals the native decode of the id
     * followed by BOS (a special token decodeText skips, so the native call sees a sequence no
     * cache holds), and a second call returns the kept string itself.
     */
    @Test
    void eachSingleIdDecodesOnceAndAsTheNativeDecoderDoes() {
        int bos = 1;
        for (int id = 0; id <= tokenizer.maxId(); id++) {
            String alone = tokenizer.decodeText(new int[] {id});
            assertThat(alone).as("id %d", id).isEqualTo(tokenizer.decodeText(new int[] {id, bos}));
            assertThat(tokenizer.decodeText(new int[] {id})).as("id %d again", id).isSameAs(alone);
        }
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

    /**
     * Each push decodes only the tokens since the text last ended on a whole character, yet the
     * text equals a decode of the whole lane at every step. Random ids over the whole vocabulary
     * bring what a window could get wrong: byte-fallback runs, lone "▁" tokens, the special tokens
     * the decoder skips (an empty text), and a decoder that strips the text's leading space. (The
     * deltas are not checked here: a byte that joins an invalid run turns the whole run, bytes
     * already handed out among them, into U+FFFD, so on random bytes no stream could keep them.)
     */
    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 3, 300})
    void eachPushDecodesAFewTokensAndTheTextEqualsTheWholeDecode(int contextId) {
        Random random = new Random(2026 + contextId);
        String contextText = contextId < 0 ? "" : tokenizer.decodeText(new int[] {contextId});
        for (int round = 0; round < 4; round++) {
            TextStream s = new TextStream(tokenizer, contextId);
            List<Integer> ids = new ArrayList<>();
            int n = 400;
            for (int i = 0; i < n; i++) {
                // a fifth byte tokens, in runs that spell real characters or stop halfway
                int id = random.nextInt(5) == 0 ? FIRST_BYTE_TOKEN + 0xE4 + random.nextInt(3)
                        : random.nextInt(8) == 0 ? FIRST_BYTE_TOKEN + 0x80 + random.nextInt(0x40)
                        : random.nextInt(512);
                ids.add(id);
                s.push(id);
                int[] all = new int[ids.size() + (contextId < 0 ? 0 : 1)];
                int k = 0;
                if (contextId >= 0) {
                    all[k++] = contextId;
                }
                for (int x : ids) {
                    all[k++] = x;
                }
                String whole = tokenizer.decodeText(all);
                String expected = whole.startsWith(contextText) ? whole.substring(contextText.length()) : whole;
                assertThat(s.text()).as("text after %d tokens %s", ids.size(), ids).isEqualTo(expected);
            }
        }
    }

    /**
     * Tokens added without a push are decoded when the text is read, all at once: the text is the
     * pushed stream's, incomplete characters and the context's leading space included, and the
     * decoder saw each token at most a few times (the read halfway, and the whole-text decode a
     * window ending in half a character falls back to), where pushes decode a window a token.
     */
    @ParameterizedTest
    @ValueSource(ints = {-1, 300})
    void addedTokensGiveThePushedTextInOneDecode(int contextId) {
        int[] ids = tokenizer.encode("Once upon a time, Lily saw a cat 😀 and said 日本語! ".repeat(3), false);
        TextStream pushed = new TextStream(tokenizer, contextId);
        TextStream added = new TextStream(tokenizer, contextId);
        for (int i = 0; i < ids.length; i++) {
            pushed.push(ids[i]);
            added.add(ids[i]);
            if (i == ids.length / 2) {
                assertThat(added.text()).as("read halfway").isEqualTo(pushed.text());
            }
        }
        added.add(FIRST_BYTE_TOKEN + 0xE6); // the first byte of a three-byte character
        pushed.push(FIRST_BYTE_TOKEN + 0xE6);
        assertThat(added.text()).isEqualTo(pushed.text()).endsWith("\uFFFD");
        assertThat(added.idsDecoded()).as("tokens decoded for %d added", ids.length + 1)
                .isLessThan(3L * ids.length).isLessThan(pushed.idsDecoded() / 2);
    }

    @Test
    void onTextEachPushDecodesOnlyTheTokensSinceTheLastWholeCharacter() {
        String text = "Once upon a time, Lily saw a cat 😀 and said 日本語! ";
        int[] once = tokenizer.encode(text, false);
        int n = once.length * 8;
        TextStream s = new TextStream(tokenizer, 300);
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < n; i++) {
            joined.append(s.push(once[i % once.length]));
        }
        assertThat(joined.toString()).isEqualTo(s.text()).contains("cat 😀 and said 日本語!");
        // A push decodes its window behind one token, and the last token alone; a character spelled
        // in bytes widens the window until it completes (日本語 is nine byte tokens here). The
        // whole-lane decode passed n (n + 1) / 2 tokens, 27,000 at these 232.
        assertThat(s.idsDecoded()).as("tokens decoded for %d pushes", n).isLessThan(8L * n);
    }
}
