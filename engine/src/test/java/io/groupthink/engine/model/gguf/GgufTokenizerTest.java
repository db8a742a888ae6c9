package io.groupthink.engine.model.gguf;

import static io.groupthink.engine.TestModels.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.tokenizer.GgufTokenizer;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer rebuilt from a GGUF file's vocabulary encodes exactly as the model's own
 * {@code tokenizer.json}: for the SentencePiece kind on stories260K (the GGUF llama.cpp's CI uses
 * against the HF conversion), and for the byte-level BPE kind on Qwen3's tokenizer (trimmed to its
 * first 3,000 merges, see the resource's NOTICE) converted into a GGUF by {@link GgufWriter}.
 * Each is checked on fixed strings and 1,000 seeded random strings with non-ASCII and non-BMP text.
 */
class GgufTokenizerTest {

    private static final int RANDOM_STRINGS = 1000;

    @TempDir
    Path tmp;

    @Test
    void sentencePieceKindMatchesTokenizerJson() throws IOException {
        GgufFile gguf = GgufFile.open(TestModels.storiesGguf());
        try (Tokenizer fromGguf = GgufTokenizer.load(gguf, 512);
                Tokenizer reference = Tokenizer.load(TestModels.stories().resolve("tokenizer.json"), 512)) {
            JsonNode golden = new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile());
            for (JsonNode c : golden.get("cases")) {
                int[] ids = fromGguf.encode(c.get("prompt").asText(), true);
                assertThat(ids).containsExactly(ints(c.get("prompt_ids")));
                assertThat(fromGguf.decodeText(ints(c.get("generated_ids"))))
                        .isEqualTo(reference.decodeText(ints(c.get("generated_ids"))));
            }
            assertSameIds(fromGguf, reference, strings(0x5eed));
        }
    }

    @Test
    void sentencePieceMergesAreTheConvertersMerges() throws IOException {
        JsonNode built = GgufTokenizer.tokenizerJson(GgufFile.open(TestModels.storiesGguf()));
        JsonNode original = new ObjectMapper().readTree(TestModels.stories().resolve("tokenizer.json").toFile());
        assertThat(built.path("model").path("merges")).isEqualTo(original.path("model").path("merges"));
        assertThat(built.path("model").path("vocab")).isEqualTo(original.path("model").path("vocab"));
    }

    @Test
    void byteLevelKindMatchesTokenizerJson() throws Exception {
        Path json = qwenTokenizer();
        Path file = tmp.resolve("qwen-tokenizer.gguf");
        gptTokenizerGguf(json, "qwen2").write(file);
        GgufFile gguf = GgufFile.open(file);
        int vocab = gguf.array("tokenizer.ggml.tokens", String.class).size();
        try (Tokenizer fromGguf = GgufTokenizer.load(gguf, vocab); Tokenizer reference = Tokenizer.load(json, vocab)) {
            List<String> fixed = new ArrayList<>(List.of("Hello, world!", "<|im_start|>user\nWhat's 2+2?<|im_end|>\n",
                    "  leading spaces and trailing   ", "don't DON'T I'll", "数字 12345 and ½ café\r\n\ttab",
                    "emoji 🙂👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "<think>\nreasoning\n</think>", "e\u0301 vs é (NFC)"));
            fixed.addAll(strings(0x0b1e));
            assertSameIds(fromGguf, reference, fixed);
            assertThat(fromGguf.encode("<|im_start|>", false)).containsExactly(reference.encode("<|im_start|>", false))
                    .hasSize(1);
        }
    }

    @Test
    void chatTemplateComesFromTheMetadata() throws Exception {
        Path file = tmp.resolve("qwen-chat.gguf");
        gptTokenizerGguf(qwenTokenizer(), "qwen2").string("tokenizer.chat_template", CHATML).write(file);
        ChatTemplate fromGguf = GgufModel.chatTemplate(GgufFile.open(file));
        List<ChatTemplate.Message> chat = List.of(new ChatTemplate.Message("system", "Be brief."),
                new ChatTemplate.Message("user", "List 3 fruits."));
        assertThat(fromGguf.present()).isTrue();
        assertThat(fromGguf.render(chat, true)).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\nList 3 fruits.<|im_end|>\n<|im_start|>assistant\n");
    }

    /** Qwen2.5's ChatML template, reduced to its message loop. */
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Test
    void unsupportedKindAndPreTokenizerNameTheKey() throws Exception {
        Path file = tmp.resolve("bad-kind.gguf");
        new GgufWriter().string("tokenizer.ggml.model", "bert").strings("tokenizer.ggml.tokens", List.of("a", "b"))
                .write(file);
        assertThatThrownBy(() -> GgufTokenizer.tokenizerJson(GgufFile.open(file)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'bert'")
                .hasMessageContaining("tokenizer.ggml.model");
        Path pre = tmp.resolve("bad-pre.gguf");
        gptTokenizerGguf(qwenTokenizer(), "falcon3-unknown").write(pre);
        assertThatThrownBy(() -> GgufTokenizer.tokenizerJson(GgufFile.open(pre)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'falcon3-unknown'")
                .hasMessageContaining("tokenizer.ggml.pre");
    }

    static Path qwenTokenizer() throws URISyntaxException {
        return Paths.get(GgufTokenizerTest.class.getResource("/gguf/qwen3-trimmed/tokenizer.json").toURI());
    }

    /** A byte-level BPE tokenizer.json as llama.cpp's converter stores it: tokens by id, types, merges. */
    static GgufWriter gptTokenizerGguf(Path tokenizerJson, String pre) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        List<String> tokens = new ArrayList<>();
        root.path("model").path("vocab").fields().forEachRemaining(e -> {
            while (tokens.size() <= e.getValue().asInt()) {
                tokens.add(null);
            }
            tokens.set(e.getValue().asInt(), e.getKey());
        });
        int[] types = new int[0];
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.get("id").asInt();
            while (tokens.size() <= id) {
                tokens.add(null);
            }
            tokens.set(id, added.get("content").asText());
        }
        types = new int[tokens.size()];
        Arrays.fill(types, 1);
        for (JsonNode added : root.path("added_tokens")) {
            types[added.get("id").asInt()] = added.get("special").asBoolean() ? 3 : 4;
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : root.path("model").path("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        assertThat(tokens).doesNotContainNull();
        return new GgufWriter().string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", pre)
                .strings("tokenizer.ggml.tokens", tokens).i32s("tokenizer.ggml.token_type", types)
                .strings("tokenizer.ggml.merges", merges).u32("tokenizer.ggml.eos_token_id", tokens.indexOf("<|im_end|>"))
                .bool("tokenizer.ggml.add_bos_token", false);
    }

    private static void assertSameIds(Tokenizer actual, Tokenizer expected, List<String> texts) {
        List<String> differ = new ArrayList<>();
        for (String s : texts) {
            for (boolean special : new boolean[] {true, false}) {
                int[] a = actual.encode(s, special);
                int[] e = expected.encode(s, special);
                if (!Arrays.equals(a, e)) {
                    differ.add(escape(s) + " (special " + special + "): " + Arrays.toString(a) + " vs " + Arrays.toString(e));
                }
            }
        }
        assertThat(differ).as("strings encoded differently").isEmpty();
    }

    /** Seeded random strings: ASCII words and punctuation, whitespace runs, Latin, CJK, combining marks, emoji. */
    static List<String> strings(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] pools = {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  \t\n\r",
                ".,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|", "éèêàçñöüßÆØÅœ€£¥©½", "日本語中文字한국어", "\u0301\u0308\u200d"};
        int[] nonBmp = {0x1F600, 0x1F44D, 0x1F3FD, 0x1D518, 0x20BB7, 0x1F9D1, 0x10348};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < RANDOM_STRINGS; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(40);
            for (int k = 0; k < len; k++) {
                int p = r.nextInt(pools.length + 1);
                if (p == pools.length) {
                    sb.appendCodePoint(nonBmp[r.nextInt(nonBmp.length)]);
                } else {
                    String pool = pools[p == 0 || p == 2 ? p : (r.nextInt(3) == 0 ? p : 0)];
                    sb.append(pool.charAt(r.nextInt(pool.length())));
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> sb.append(c < 0x20 || c > 0x7e ? String.format("\\u{%x}", c) : Character.toString(c)));
        return sb.append('"').toString();
    }
}
