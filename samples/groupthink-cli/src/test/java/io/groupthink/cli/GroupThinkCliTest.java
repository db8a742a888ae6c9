package io.groupthink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.model.RandomModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GroupThinkCliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String STORIES = CliRun.stories().toString();

    @Test
    void generateJsonGreedyGivesTheGoldenIdsAndLogits() throws IOException {
        JsonNode golden = JSON.readTree(CliRun.stories().resolve("golden.json").toFile()).get("cases").get(0);
        CliRun r = CliRun.of("generate", "--model", STORIES, "--prompt", golden.get("prompt").asText(),
                "--max-tokens", "16", "--greedy", "--json", "--logits", "5");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = json(r.out());

        assertThat(ints(j.get("prompt_ids"))).isEqualTo(ints(golden.get("prompt_ids")));
        List<Integer> ids = ints(j.get("generated_ids"));
        assertThat(ids).startsWith(432, 383, 286, 261, 376, 298);
        assertThat(ids).isEqualTo(ints(golden.get("generated_ids")).subList(0, 16));
        assertThat(j.get("finish_reason").asText()).isEqualTo("length");
        String continuation = golden.get("run_c_stdout").asText().substring(golden.get("prompt").asText().length());
        assertThat(continuation).startsWith(j.get("text").asText());
        assertThat(j.get("text").asText()).startsWith(", there was a little girl");

        JsonNode logits = j.get("logits");
        assertThat(logits).hasSize(16);
        for (JsonNode step : logits) {
            assertThat(step).hasSize(5);
        }
        JsonNode top5 = golden.get("first_step_top5");
        for (int k = 0; k < 5; k++) {
            assertThat(logits.get(0).get(k).get(0).asInt()).isEqualTo(top5.get(k).get(0).asInt());
            assertThat(logits.get(0).get(k).get(1).asDouble()).isCloseTo(top5.get(k).get(1).asDouble(), within(1e-3));
        }
        for (int i = 0; i < 16; i++) {
            assertThat(logits.get(i).get(0).get(0).asInt()).as("greedy picks the top logit").isEqualTo(ids.get(i));
        }
        assertPositive(j.get("timings"), "load_ms", "prefill_ms", "decode_ms_per_token", "tokens_per_second",
                "total_ms");
        assertThat(j.get("model").asText()).isEqualTo(STORIES);
        assertThat(r.err()).contains("Loading model " + STORIES).contains("done in");
    }

    @Test
    void ggufFilesAndOllamaNamesWorkAsModelsAndReportTheirTensorTypes(@TempDir Path store) throws Exception {
        Path gguf = CliRun.shared().resolve("models/stories260K/stories260K.gguf");
        JsonNode golden = JSON.readTree(CliRun.stories().resolve("golden.json").toFile()).get("cases").get(0);
        CliRun r = CliRun.of("generate", "--model", gguf.toString(), "--prompt", golden.get("prompt").asText(),
                "--max-tokens", "16", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = json(r.out());
        assertThat(ints(j.get("generated_ids"))).isEqualTo(ints(golden.get("generated_ids")).subList(0, 16));
        assertThat(j.get("tensor_types").get("F32").asInt()).isEqualTo(48);
        assertThat(r.err()).contains("tensors {F32=48}");

        // The same file pulled into an Ollama store: manifest -> blob.
        byte[] bytes = Files.readAllBytes(gguf);
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.write(Files.createDirectories(store.resolve("blobs")).resolve("sha256-" + hex), bytes);
        Path manifest = store.resolve("manifests/registry.ollama.ai/library/stories/260k");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, "{\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
                + "\"digest\":\"sha256:" + hex + "\",\"size\":" + bytes.length + "}]}");
        System.setProperty(io.groupthink.engine.model.ollama.OllamaStore.STORE_PROPERTY, store.toString());
        try {
            CliRun t = CliRun.of("think", "--model", "ollama:stories:260k", "--question", "Lily saw a cat.",
                    "--thinkers", "2", "--max-tokens", "8", "--json");
            assertThat(t.code()).as(t.toString()).isZero();
            assertThat(json(t.out()).get("tensor_types").get("F32").asInt()).isEqualTo(48);
            CliRun unknown = CliRun.of("generate", "--model", "ollama:stories:1m", "--prompt", "hi");
            assertThat(unknown.code()).as(unknown.toString()).isEqualTo(1);
            assertThat(unknown.err()).contains("no tag '1m'").contains("260k").doesNotContain("\tat ");
        } finally {
            System.clearProperty(io.groupthink.engine.model.ollama.OllamaStore.STORE_PROPERTY);
        }
    }

    @Test
    void generateStreamsTextAndHoldsBackStopStrings() {
        CliRun r = CliRun.of("generate", "--model", STORIES, "--prompt", "Once upon a time", "--max-tokens", "20");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Once upon a time, there was a little girl named Lily.");
        assertThat(r.err()).contains("prompt tokens").contains("tok/s");

        CliRun stopped = CliRun.of("generate", "--model", STORIES, "--prompt", "Once upon a time", "--max-tokens", "40",
                "--stop", "Lily");
        assertThat(stopped.code()).as(stopped.toString()).isZero();
        assertThat(stopped.out()).isEqualTo("Once upon a time, there was a little girl named \n");
        assertThat(stopped.err()).contains("finish stop");
    }

    @Test
    void thinkJsonHasOneLanePerThinkerWithinBudget() {
        CliRun r = CliRun.of("think", "--model", STORIES, "--question", "Lily saw a cat.", "--thinkers", "3",
                "--mode", "group", "--layout", "interleaved", "--max-tokens", "6", "--greedy", "--json", "--logits", "2");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = json(r.out());
        JsonNode lanes = j.get("thinkers");
        assertThat(lanes).hasSize(3);
        for (int n = 0; n < 3; n++) {
            JsonNode lane = lanes.get(n);
            assertThat(lane.get("lane").asInt()).isEqualTo(n);
            assertThat(lane.get("label").asText()).isEqualTo("Thinker" + (n + 1) + ":");
            int tokens = lane.get("generated_ids").size();
            assertThat(tokens).isBetween(1, 6);
            assertThat(lane.get("finish_reason").asText()).isIn("length", "eos");
            if (lane.get("finish_reason").asText().equals("length")) {
                assertThat(tokens).isEqualTo(6);
            }
            assertThat(lane.get("text").isTextual()).isTrue();
            assertThat(lane.get("logits").size()).isBetween(tokens, tokens + 1);
        }
        assertThat(j.get("final_answer").isNull()).isTrue();
        assertThat(j.get("mode").asText()).isEqualTo("group");
        assertThat(j.get("layout").asText()).isEqualTo("interleaved");
        assertThat(j.get("decode_steps").asInt()).isBetween(1, 6);
        assertThat(j.get("batch_rows").size()).isEqualTo(j.get("decode_steps").asInt());
        for (JsonNode rows : j.get("batch_rows")) {
            assertThat(rows.asInt()).isBetween(1, 3);
        }
        assertPositive(j, "prompt_tokens", "kv_bytes", "generated_tokens");
        assertPositive(j.get("timings"), "load_ms", "prefill_ms", "decode_ms_per_step", "tokens_per_second", "wall_ms",
                "total_ms");
    }

    @Test
    void thinkInRoundsJsonListsEveryRoundWithinOneRoundsKv() {
        CliRun r = CliRun.of("think", "--model", STORIES, "--question", "Lily saw a cat.", "--thinkers", "2",
                "--mode", "independent", "--rounds", "3", "--segment", "6", "--summary-tokens", "5", "--carry", "2",
                "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = json(r.out());
        assertThat(j.get("round_options").get("carry").asInt()).isEqualTo(2);
        JsonNode rounds = j.get("rounds");
        assertThat(rounds.size()).isBetween(1, 3);
        int bound = j.get("kv_bound_tokens").asInt();
        for (JsonNode round : rounds) {
            assertThat(round.get("segments")).hasSize(2);
            for (JsonNode lane : round.get("segments")) {
                assertThat(lane.get("generated_ids").size()).isBetween(0, 6);
            }
            assertThat(round.get("summary_tokens").asInt()).isBetween(0, 5);
            assertThat(round.get("kv_tokens").asInt()).isBetween(1, bound);
        }
        assertThat(j.get("peak_kv_tokens").asInt()).isBetween(1, bound);
        assertPositive(j.get("timings"), "load_ms", "wall_ms", "total_ms");

        CliRun text = CliRun.of("think", "--model", STORIES, "--question", "Lily saw a cat.", "--thinkers", "2",
                "--mode", "independent", "--rounds", "2", "--segment", "4", "--summary-tokens", "4");
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).contains("── round 1 ──", "summary:", "one round's bound");

        CliRun tooLong = CliRun.of("think", "--model", STORIES, "--question", "q", "--rounds", "2", "--segment", "400");
        assertThat(tooLong.code()).as(tooLong.toString()).isEqualTo(2);
        assertThat(tooLong.err()).contains("error: a round needs up to").contains("context is 512")
                .contains("--segment");
    }

    @Test
    void thinkPrintsLabelledLanesTheAnswerAndStatsWithoutColourOffTerminal() {
        CliRun r = CliRun.of("think", "--model", STORIES, "--question", "Ben had a kite.", "--thinkers", "2",
                "--max-tokens", "5", "--role", "tell the start", "--role", "tell the end", "--synthesize",
                "--synthesis-tokens", "3");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Thinker1:").contains("Thinker2:").contains("Final answer:")
                .contains("decode steps").contains("tok/s").contains("wall").contains("KV");
        assertThat(r.out().indexOf("Thinker1:")).isLessThan(r.out().indexOf("Thinker2:"));
        assertThat(r.out().indexOf("Thinker2:")).isLessThan(r.out().indexOf("Final answer:"));
        assertThat(r.out()).doesNotContain("\u001b");
    }

    @Test
    void benchJsonOnATinyRandomModelReportsEveryFigure(@TempDir Path dir) throws IOException {
        Path model = RandomModel.write(RandomModel.Spec.tiny("llama"), dir.resolve("tiny"));
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--batch", "1,2", "--thinkers", "1,2", "--tokens",
                "4", "--repeats", "3", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = json(r.out());
        assertThat(j.get("repeats").asInt()).as("each thinker row is the median of three measured runs").isEqualTo(3);
        assertPositive(j, "bytes_per_step", "prompt_tokens", "tokens", "warmup", "load_ms", "total_ms", "layers",
                "vocab_size", "hidden_size");
        assertThat(j.get("tokens").asInt()).isEqualTo(4);

        JsonNode batch = j.get("batch");
        assertThat(batch).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode row = batch.get(i);
            int b = i + 1;
            assertThat(row.get("batch").asInt()).isEqualTo(b);
            assertPositive(row, "prefill_ms", "prefill_ms_per_token", "decode_ms_per_step", "decode_tok_s",
                    "decode_tok_s_per_sequence", "speedup_vs_smallest", "wall_ms", "generated_tokens", "kv_bytes",
                    "weight_read_gb_s");
            assertThat(row.get("generated_tokens").asInt()).as("full budget forced").isEqualTo(b * 4);
            assertAllNumbersPositive(row);
        }
        assertThat(batch.get(1).get("kv_bytes").asLong()).isEqualTo(2 * batch.get(0).get("kv_bytes").asLong());

        JsonNode thinkers = j.get("thinkers");
        assertThat(thinkers).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode row = thinkers.get(i);
            int n = i + 1;
            assertThat(row.get("thinkers").asInt()).isEqualTo(n);
            for (String side : List.of("group", "thread_pool", "turn_based")) {
                assertPositive(row.get(side), "wall_ms", "step_ms", "decode_tok_s", "tok_s", "decode_steps",
                        "generated_tokens", "kv_bytes");
                assertThat(row.get(side).get("generated_tokens").asInt()).isEqualTo(n * 4);
            }
            // turn i prefills its own 64-token prompt and the 4 tokens of each earlier turn: 64 + 68 at N = 2
            assertThat(row.get("turn_based").get("prompt_tokens_total").asInt()).as("hand-offs")
                    .isEqualTo(n * 64 + 4 * n * (n - 1) / 2);
            assertThat(row.get("turn_based").get("decode_steps").asInt()).as("one turn after another")
                    .isEqualTo(n * 3);
            assertPositive(row, "wall_ratio", "wall_ratio_turn_based", "group_speedup_vs_smallest",
                    "thread_pool_speedup_vs_smallest", "weight_read_gb_s");
            assertAllNumbersPositive(row);
        }
        // the group stores the shared prompt once; the thread pool stores it once per generation
        assertThat(thinkers.get(1).get("group").get("kv_bytes").asLong())
                .isLessThan(thinkers.get(1).get("thread_pool").get("kv_bytes").asLong());
        assertThat(thinkers.get(0).get("group").get("kv_bytes").asLong())
                .isEqualTo(thinkers.get(0).get("thread_pool").get("kv_bytes").asLong());
        // the second turn also stores the first one's output it was handed
        assertThat(thinkers.get(1).get("turn_based").get("kv_bytes").asLong())
                .isGreaterThan(thinkers.get(1).get("thread_pool").get("kv_bytes").asLong());
    }

    @Test
    void benchPrintsATableByDefault(@TempDir Path dir) throws IOException {
        Path model = RandomModel.write(RandomModel.Spec.tiny("llama"), dir.resolve("tiny"));
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--batch", "1", "--thinkers", "2", "--tokens", "2",
                "--prompt-tokens", "8", "--warmup", "0");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("weights read per decode step").contains("Batched plain generation")
                .contains("Group Think").contains("thread pool").contains("wall ratio").contains("turn ratio");
    }

    @Test
    void randomModelWritesAFolder(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("q3");
        CliRun r = CliRun.of("random-model", "--out", out.toString(), "--type", "qwen3", "--dtype", "bf16", "--shards",
                "2", "--seed", "5");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(out.resolve("model.safetensors.index.json")).isRegularFile();
        assertThat(out.resolve("tokenizer.json")).isRegularFile();
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.get("model_type").asText()).isEqualTo("qwen3");
        assertThat(config.get("torch_dtype").asText()).isEqualTo("bfloat16");
        assertThat(r.out()).contains(out.toString()).contains("qwen3");
    }

    /** Issue 15's acceptance: a Qwen3-style random model with Qwen3's real tokenizer thinks in a group, thinking on and off. */
    @Test
    void qwen3RandomModelThinksInAGroupWithThinkingOnAndOff(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("q3");
        Path tokenizer = io.groupthink.engine.Qwen3Files.unpack(dir.resolve("qwen3-tokenizer"));
        CliRun made = CliRun.of("random-model", "--out", out.toString(), "--type", "qwen3", "--dtype", "bf16",
                "--tokenizer", tokenizer.toString());
        assertThat(made.code()).as(made.toString()).isZero();
        assertThat(made.out()).contains("vocab 151680");
        assertThat(JSON.readTree(out.resolve("generation_config.json").toFile()).get("eos_token_id").toString())
                .isEqualTo("[151645,151643]");
        for (String thinking : List.of("on", "off")) {
            List<String> args = new ArrayList<>(List.of("think", "--model", out.toString(), "--question", "What is 2+2?",
                    "--thinkers", "2", "--mode", "group", "--max-tokens", "4", "--thinking", thinking, "--json",
                    "--linear", "torch")); // no kernel measurement at load: this test is about the template
            if (thinking.equals("on")) {
                args.add("--hide-reasoning");
            }
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.code()).as(r.toString()).isZero();
            JsonNode result = JSON.readTree(r.out());
            assertThat(result.get("thinkers")).hasSize(2);
            for (JsonNode lane : result.get("thinkers")) {
                assertThat(lane.get("generated_ids").size()).isBetween(1, 4);
            }
        }
        CliRun bad = CliRun.of("think", "--model", out.toString(), "--question", "q", "--thinking", "maybe");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--thinking");
    }

    static List<Arguments> badCommandLines() {
        String m = "/models/whatever"; // never loaded: the command line is refused first
        return List.of(
                Arguments.of("--max-tokens", List.of("generate", "--model", m, "--prompt", "p", "--max-tokens", "abc")),
                Arguments.of("--max-tokens", List.of("generate", "--model", m, "--prompt", "p", "--max-tokens", "0")),
                Arguments.of("--bogus", List.of("generate", "--model", m, "--prompt", "p", "--bogus", "1")),
                Arguments.of("--prompt", List.of("generate", "--model", m)),
                Arguments.of("--model", List.of("generate", "--prompt", "p")),
                Arguments.of("--model", List.of("generate", "--model")),
                Arguments.of("--temperature", List.of("generate", "--model", m, "--prompt", "p", "--temperature", "-1")),
                Arguments.of("--top-p", List.of("generate", "--model", m, "--prompt", "p", "--temperature", "1",
                        "--top-p", "0")),
                Arguments.of("--greedy", List.of("generate", "--model", m, "--prompt", "p", "--greedy", "--temperature",
                        "0.7")),
                Arguments.of("--seed", List.of("generate", "--model", m, "--prompt", "p", "--seed", "3")),
                Arguments.of("--logits", List.of("generate", "--model", m, "--prompt", "p", "--logits", "3")),
                Arguments.of("--thinkers", List.of("think", "--model", m, "--question", "q", "--thinkers", "0")),
                Arguments.of("--thinkers", List.of("think", "--model", m, "--question", "q", "--thinkers", "17")),
                Arguments.of("--thinkers", List.of("think", "--model", m, "--question", "q", "--mode", "cot",
                        "--thinkers", "3")),
                Arguments.of("--mode", List.of("think", "--model", m, "--question", "q", "--mode", "sideways")),
                Arguments.of("--layout", List.of("think", "--model", m, "--question", "q", "--layout", "diagonal")),
                Arguments.of("--role", List.of("think", "--model", m, "--question", "q", "--thinkers", "3", "--role",
                        "a")),
                Arguments.of("--synthesis-tokens", List.of("think", "--model", m, "--question", "q",
                        "--synthesis-tokens", "5")),
                Arguments.of("--rounds", List.of("think", "--model", m, "--question", "q", "--rounds", "0")),
                Arguments.of("--segment", List.of("think", "--model", m, "--question", "q", "--rounds", "2",
                        "--segment", "0")),
                Arguments.of("--summary-tokens", List.of("think", "--model", m, "--question", "q", "--rounds", "2",
                        "--summary-tokens", "0")),
                Arguments.of("--carry", List.of("think", "--model", m, "--question", "q", "--rounds", "2", "--segment",
                        "4", "--carry", "5")),
                Arguments.of("--segment", List.of("think", "--model", m, "--question", "q", "--segment", "4")),
                Arguments.of("--batch", List.of("bench", "--model", m, "--batch", "1,,2")),
                Arguments.of("--tokens", List.of("bench", "--model", m, "--tokens", "1")),
                Arguments.of("--preset", List.of("random-model", "--out", "x", "--preset", "huge")),
                Arguments.of("--shards", List.of("random-model", "--out", "x", "--shards", "zero")),
                Arguments.of("nonsense", List.of("nonsense")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badCommandLines")
    void badCommandLinesExit2WithOneLineNamingTheOption(String option, List<String> args) {
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error: ").contains(option).endsWith("\n");
        assertThat(r.err().strip()).doesNotContain("\n");
    }

    @Test
    void noArgumentsPrintsUsageAndExits2() {
        CliRun r = CliRun.of();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: groupthink-cli");
    }

    @Test
    void missingModelFolderExits1NamingThePath(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("no-such-model");
        CliRun r = CliRun.of("generate", "--model", missing.toString(), "--prompt", "hi");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("error: " + missing).contains("does not exist");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun onFile = CliRun.of("think", "--model", file.toString(), "--question", "q", "--json");
        assertThat(onFile.code()).as(onFile.toString()).isEqualTo(1);
        assertThat(onFile.err()).contains(file.toString()).doesNotContain("\tat ");
        assertThat(onFile.out()).isEmpty();

        Path empty = Files.createDirectory(dir.resolve("empty"));
        CliRun noConfig = CliRun.of("bench", "--model", empty.toString(), "--json");
        assertThat(noConfig.code()).as(noConfig.toString()).isEqualTo(1);
        assertThat(noConfig.err()).contains("config.json").doesNotContain("\tat ");
    }

    @Test
    void helpForEveryCommandListsItsOptions() {
        CliRun global = CliRun.of("--help");
        assertThat(global.code()).isZero();
        assertThat(global.out()).contains("generate", "think", "bench", "random-model");
        Map<String, List<String>> expected = Map.of(
                "generate", List.of("--model", "--prompt", "--max-tokens", "--greedy", "--temperature", "--top-p",
                        "--seed", "--top-k", "--repetition-penalty", "--stop", "--json", "--logits"),
                "think", List.of("--model", "--question", "--thinkers", "--mode", "--layout", "--max-tokens", "--greedy",
                        "--temperature", "--top-p", "--seed", "--synthesize", "--synthesis-tokens", "--role", "--json",
                        "--logits", "--thinking", "--hide-reasoning", "--rounds", "--segment", "--summary-tokens", "--carry"),
                "bench", List.of("--model", "--batch", "--thinkers", "--prompt-tokens", "--tokens", "--warmup",
                        "--json"),
                "random-model", List.of("--out", "--preset", "--type", "--dtype", "--shards", "--seed", "--tokenizer"));
        expected.forEach((command, options) -> {
            CliRun r = CliRun.of(command, "--help");
            assertThat(r.code()).as(command).isZero();
            assertThat(r.out()).as(command).startsWith("Usage: groupthink-cli " + command);
            for (String o : options) {
                assertThat(r.out()).as(command).contains("  " + o + " ").contains(o);
            }
            assertThat(CliRun.of("help", command).out()).isEqualTo(r.out());
        });
    }

    @Test
    void streamingTextNeverPrintsAStopString() {
        StreamingText s = new StreamingText(List.of("END"));
        StringBuilder printed = new StringBuilder();
        for (String delta : List.of("a", "b", "E", "N", "x", "E", "N", "D", "more")) {
            printed.append(s.push(delta));
        }
        assertThat(printed.toString()).isEqualTo("abENx");
        assertThat(s.finish("abENx")).isEmpty();

        StreamingText held = new StreamingText(List.of("END"));
        assertThat(held.push("abE")).isEqualTo("ab");
        assertThat(held.finish("abE")).isEqualTo("E");

        StreamingText plain = new StreamingText(List.of());
        assertThat(plain.push("he")).isEqualTo("he");
        assertThat(plain.finish("hello")).isEqualTo("llo");
    }

    // ---- helpers ----

    static JsonNode json(String out) {
        assertThat(out).endsWith("\n");
        assertThat(out.strip()).as("exactly one JSON object on stdout").doesNotContain("\n");
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new AssertionError("stdout is not JSON: " + out, e);
        }
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    static void assertPositive(JsonNode node, String... keys) {
        for (String k : keys) {
            assertThat(node.has(k)).as("key %s in %s", k, node).isTrue();
            assertThat(node.get(k).isNumber()).as("%s is a number in %s", k, node).isTrue();
            assertThat(node.get(k).asDouble()).as("%s in %s", k, node).isPositive();
        }
    }

    /** Every number anywhere under {@code node} is > 0. */
    static void assertAllNumbersPositive(JsonNode node) {
        if (node.isNumber()) {
            assertThat(node.asDouble()).isPositive();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNumber()) {
                assertThat(e.getValue().asDouble()).as("%s in %s", e.getKey(), node).isPositive();
            } else {
                assertAllNumbersPositive(e.getValue());
            }
        }
    }

    @Test
    void pullNeedsOneIdAndOfflineNamesWhatIsMissing() {
        CliRun none = CliRun.of("pull");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("exactly one model id");
        CliRun offline = CliRun.of("pull", "groupthink-test/no-such-model-xyz", "--offline");
        assertThat(offline.code()).as(offline.toString()).isEqualTo(1);
        assertThat(offline.err()).contains("groupthink-test/no-such-model-xyz").doesNotContain("\tat ");
    }

    @Test
    void linearOperatorIsSelectable() {
        CliRun torch = CliRun.of("generate", "--model", CliRun.shared().resolve("models/stories260K-hf").toString(),
                "--prompt", "Once upon a time", "--max-tokens", "6", "--json", "--linear", "torch");
        assertThat(torch.code()).as(torch.toString()).isZero();
        assertThat(torch.out()).contains("\"generated_ids\":[432,383,286,261,376,298]");
        CliRun bad = CliRun.of("generate", "--model", "x", "--prompt", "p", "--linear", "gpu");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--linear");
    }

    @Test
    void weightsAreQuantizedAtLoadOnRequest() {
        String model = CliRun.shared().resolve("models/stories260K-hf").toString();
        // Q8_0 keeps the F32 model's top token at every golden step (QuantizationDriftTest), so greedy output is the same
        CliRun q8 = CliRun.of("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "6", "--json",
                "--linear", "kernel", "--quantize", "q8_0");
        assertThat(q8.code()).as(q8.toString()).isZero();
        assertThat(q8.out()).contains("\"generated_ids\":[432,383,286,261,376,298]");
        CliRun bad = CliRun.of("generate", "--model", model, "--prompt", "p", "--quantize", "q3_k");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--quantize");
        CliRun torch = CliRun.of("generate", "--model", model, "--prompt", "p", "--linear", "torch", "--quantize", "q4_0");
        assertThat(torch.code()).as(torch.toString()).isNotZero();
        assertThat(torch.err()).contains("quantize q4_0 needs the kernel").doesNotContain("\tat ");
    }

    @Test
    void evalIsACommandOfTheCli() {
        CliRun help = CliRun.of("eval", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out() + help.err()).contains("--tasks").contains("--budget");
        CliRun bad = CliRun.of("eval", "--model", CliRun.shared().resolve("models/stories260K-hf").toString(), "--budget", "x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--budget");
        assertThat(CliRun.of("--help").out()).contains("eval");
    }
}
