package io.groupthink.engine.model;

import static io.groupthink.engine.model.BadFiles.assertLoadFails;
import static io.groupthink.engine.model.BadFiles.copyFolder;
import static io.groupthink.engine.model.BadFiles.editConfig;
import static io.groupthink.engine.model.BadFiles.replace;
import static io.groupthink.engine.model.BadFiles.rewriteWeights;
import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.BadFiles.Tensor;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights that do not fit the config (bad-inputs.md items 9-11 and the safetensors rules seen
 * through a whole model load). The base is a generated tiny Llama: 2 layers, hidden 64, 8 query
 * heads and 2 KV heads of 8, FFN 160, vocab 300, F32, untied head.
 */
class WeightsBadInputTest {

    private static final RandomModel.Spec TINY = RandomModel.Spec.tiny("llama");
    private static final String Q0 = "model.layers.0.self_attn.q_proj.weight";

    @TempDir
    Path tmp;

    private Path model() {
        return copyFolder(TestModels.random(TINY), tmp.resolve("model"));
    }

    private static Path weights(Path dir) {
        return dir.resolve(ModelFolder.WEIGHTS);
    }

    @Test
    void theUnchangedCopyLoadsAndSurvivesARewrite() {
        Path dir = model();
        rewriteWeights(dir, list -> list); // the rewrite itself must keep the model valid
        try (GroupThinkModel m = GroupThinkModel.load(dir, BadFiles.TORCH)) {
            assertThat(m.config().numLayers()).isEqualTo(2);
        }
    }

    // ---- missing files

    @Test
    void noWeightsAndNoIndex() throws IOException {
        Path dir = model();
        Files.delete(weights(dir));
        assertLoadFails(dir, weights(dir), "model weights are missing", ModelFolder.WEIGHTS_INDEX);
    }

    @Test
    void shardIndexPointsAtAMissingShard() throws IOException {
        Path dir = copyFolder(TestModels.random(TINY.with(DType.F32, 2)), tmp.resolve("sharded"));
        String shard = "model-00002-of-00002.safetensors";
        Files.delete(dir.resolve(shard));
        assertLoadFails(dir, dir.resolve(ModelFolder.WEIGHTS_INDEX), "points at shard '" + shard + "'", "missing");
    }

    @Test
    void shardIndexEscapingTheFolderIsTreatedAsMissing() throws IOException {
        Path dir = copyFolder(TestModels.random(TINY.with(DType.F32, 2)), tmp.resolve("sharded"));
        Path index = dir.resolve(ModelFolder.WEIGHTS_INDEX);
        Files.copy(dir.resolve("model-00001-of-00002.safetensors"), tmp.resolve("outside.safetensors"));
        BadFiles.editJson(index, root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("weight_map"))
                .put("model.embed_tokens.weight", "../outside.safetensors"));
        assertLoadFails(dir, index, "'../outside.safetensors'", "missing");
    }

    @Test
    void shardIndexNamesATensorTheShardLacks() {
        Path dir = copyFolder(TestModels.random(TINY.with(DType.F32, 2)), tmp.resolve("sharded"));
        Path index = dir.resolve(ModelFolder.WEIGHTS_INDEX);
        BadFiles.editJson(index, root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("weight_map"))
                .put("model.norm.weight", "model-00001-of-00002.safetensors"));
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        assertLoadFails(dir, shard, "'model.norm.weight'", "not in this shard");
    }

    @Test
    void shardIndexNotJson() throws IOException {
        Path dir = copyFolder(TestModels.random(TINY.with(DType.F32, 2)), tmp.resolve("sharded"));
        Path index = dir.resolve(ModelFolder.WEIGHTS_INDEX);
        Files.writeString(index, "{\"weight_map\": ");
        assertLoadFails(dir, index, "not valid JSON");
    }

    @Test
    void corruptHeaderSurfacesThroughModelLoad() throws IOException {
        Path dir = model();
        byte[] bytes = Files.readAllBytes(weights(dir));
        bytes[8] = '['; // the header no longer opens with '{'
        Files.write(weights(dir), bytes);
        assertLoadFails(dir, weights(dir), "corrupt safetensors header");
    }

    @Test
    void truncatedWeightsFile() throws IOException {
        Path dir = model();
        byte[] bytes = Files.readAllBytes(weights(dir));
        Files.write(weights(dir), Arrays.copyOf(bytes, bytes.length - 1000));
        assertLoadFails(dir, weights(dir), "truncated tensor data", "'lm_head.weight'");
    }

    // ---- item 9: dtype

    @Test
    void int64Weight() {
        Path dir = model();
        rewriteWeights(dir, replace(Q0, t -> new Tensor(t.name(), "I64", t.shape(), new byte[64 * 64 * 8])));
        assertLoadFails(dir, weights(dir), "unsupported dtype I64", "'" + Q0 + "'");
    }

    @Test
    void float8Weight() {
        Path dir = model();
        rewriteWeights(dir, replace(Q0, t -> new Tensor(t.name(), "F8_E4M3", t.shape(), new byte[64 * 64])));
        assertLoadFails(dir, weights(dir), "unsupported dtype F8_E4M3", "'" + Q0 + "'");
    }

    @Test
    void float64Weight() {
        Path dir = model();
        String norm = "model.norm.weight";
        rewriteWeights(dir, replace(norm, t -> new Tensor(t.name(), "F64", t.shape(), new byte[64 * 8])));
        assertLoadFails(dir, weights(dir), "unsupported dtype F64", "'" + norm + "'");
    }

    // ---- shape against config

    @Test
    void qProjWithWrongRows() {
        Path dir = model();
        rewriteWeights(dir, replace(Q0, t -> new Tensor(t.name(), "F32", new long[] {32, 64},
                Arrays.copyOf(t.data(), 32 * 64 * 4))));
        assertLoadFails(dir, weights(dir), "shape mismatch", "'" + Q0 + "'", "[32, 64]", "[64, 64]");
    }

    @Test
    void transposedProjection() {
        Path dir = model();
        String down = "model.layers.1.mlp.down_proj.weight";
        rewriteWeights(dir, replace(down, t -> new Tensor(t.name(), "F32", new long[] {160, 64}, t.data())));
        assertLoadFails(dir, weights(dir), "shape mismatch", "'" + down + "'", "[160, 64]", "[64, 160]");
    }

    @Test
    void embeddingRowsDifferFromVocabSize() {
        Path dir = model();
        editConfig(dir, c -> c.put("vocab_size", 320)); // the tokenizer's ids still fit
        assertLoadFails(dir, weights(dir), "shape mismatch", "'model.embed_tokens.weight'", "[300, 64]",
                "[320, 64]");
    }

    // ---- item 10: missing and extra tensors

    @Test
    void tensorMissingForALayer() {
        Path dir = model();
        String down = "model.layers.1.mlp.down_proj.weight";
        rewriteWeights(dir, list -> {
            list.removeIf(t -> t.name().equals(down));
            return list;
        });
        assertLoadFails(dir, weights(dir), "tensor '" + down + "' is missing");
    }

    @Test
    void lmHeadMissingAndNotTied() {
        Path dir = model();
        rewriteWeights(dir, list -> {
            list.removeIf(t -> t.name().equals("lm_head.weight"));
            return list;
        });
        assertLoadFails(dir, weights(dir), "'lm_head.weight' is missing", "tie_word_embeddings");
    }

    @Test
    void extraLayerBeyondNumHiddenLayers() {
        Path dir = model();
        rewriteWeights(dir, list -> {
            list.add(BadFiles.f32Tensor("model.layers.2.input_layernorm.weight", new long[] {64}, new float[64]));
            return list;
        });
        assertLoadFails(dir, weights(dir), "layer(s) [2]", "num_hidden_layers = 2");
    }

    @Test
    void fewerLayersInConfigThanInFile() {
        Path dir = model();
        editConfig(dir, c -> c.put("num_hidden_layers", 1));
        assertLoadFails(dir, weights(dir), "layer(s) [1]", "num_hidden_layers = 1");
    }

    // ---- item 11: NaN / Inf, opt-in

    private static final GroupThinkModel.Options CHECK_FINITE = new GroupThinkModel.Options(0, true,
            LinearFactory.TORCH);

    private Path modelWith(String name, int element, float value) {
        Path dir = model();
        rewriteWeights(dir, replace(name, t -> {
            byte[] data = t.data().clone();
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(element * 4, value);
            return new Tensor(t.name(), t.dtype(), t.shape(), data);
        }));
        return dir;
    }

    @Test
    void nanWeightIsRefusedWhenCheckingAndNamed() {
        Path dir = modelWith(Q0, 77, Float.NaN);
        assertLoadFails(dir, CHECK_FINITE, weights(dir), "'" + Q0 + "'", "non-finite value (NaN)", "element 77");
    }

    @Test
    void infiniteWeightIsRefusedWhenChecking() {
        String norm = "model.layers.1.post_attention_layernorm.weight";
        Path dir = modelWith(norm, 3, Float.NEGATIVE_INFINITY);
        assertLoadFails(dir, CHECK_FINITE, weights(dir), "'" + norm + "'", "-Infinity", "element 3");
    }

    @Test
    void nanWeightLoadsWithoutTheCheck() {
        Path dir = modelWith(Q0, 77, Float.NaN);
        try (GroupThinkModel m = GroupThinkModel.load(dir,
                new GroupThinkModel.Options(0, false, LinearFactory.TORCH))) {
            assertThat(m.config().numLayers()).isEqualTo(2);
        }
    }

    @Test
    void nanInBf16WeightIsRefusedWhenChecking() throws IOException {
        // BF16 weights are widened before the check: the NaN must survive widening.
        Path dir = copyFolder(TestModels.random(TINY.with(DType.BF16, 1)), tmp.resolve("bf16"));
        rewriteWeights(dir, replace(Q0, t -> {
            byte[] data = t.data().clone();
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putShort(2 * 5, (short) 0x7fc1);
            return new Tensor(t.name(), t.dtype(), t.shape(), data);
        }));
        assertLoadFails(dir, CHECK_FINITE, weights(dir), "'" + Q0 + "'", "NaN", "element 5");
    }
}
