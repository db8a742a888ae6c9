package io.groupthink.engine.model;

import static io.groupthink.engine.model.BadFiles.assertLoadFails;
import static io.groupthink.engine.model.BadFiles.copyFolder;
import static io.groupthink.engine.model.BadFiles.editConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bad-inputs.md items 1-4: the model path and {@code config.json}. Every case goes through
 * {@code GroupThinkModel.load} and must name the file and the problem.
 */
class ModelConfigBadInputTest {

    @TempDir
    Path tmp;

    private Path model() {
        return copyFolder(TestModels.stories(), tmp.resolve("model"));
    }

    private Path config(Path dir) {
        return dir.resolve(ModelFolder.CONFIG);
    }

    // ---- item 1: the path itself

    @Test
    void modelPathMissing() {
        Path missing = tmp.resolve("no-such-model");
        assertLoadFails(missing, missing, "does not exist");
    }

    @Test
    void modelPathIsAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("model.bin"), "not a folder");
        assertLoadFails(file, file, "is a file, not a folder");
    }

    // ---- item 2: config.json absent, not JSON, required field missing

    @Test
    void configMissing() throws IOException {
        Path dir = model();
        Files.delete(config(dir));
        assertLoadFails(dir, config(dir), "config.json is missing");
    }

    @Test
    void configNotJson() throws IOException {
        Path dir = model();
        Files.writeString(config(dir), "{ \"model_type\": \"llama\", \"hidden_size\": 64,, oops");
        assertLoadFails(dir, config(dir), "not valid JSON");
    }

    @Test
    void configEmptyFile() throws IOException {
        Path dir = model();
        Files.writeString(config(dir), "");
        assertLoadFails(dir, config(dir), "JSON");
    }

    @Test
    void configNotAnObject() throws IOException {
        Path dir = model();
        Files.writeString(config(dir), "[1, 2, 3]");
        assertLoadFails(dir, config(dir), "must hold a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidden_size", "num_attention_heads", "num_hidden_layers", "intermediate_size",
            "vocab_size"})
    void configMissingRequiredField(String field) {
        Path dir = model();
        editConfig(dir, c -> c.remove(field));
        assertLoadFails(dir, config(dir), "'" + field + "'", "missing");
    }

    @Test
    void configFieldOfWrongType() {
        Path dir = model();
        editConfig(dir, c -> c.put("hidden_size", "sixty-four"));
        assertLoadFails(dir, config(dir), "'hidden_size'", "must be an integer");
    }

    @Test
    void configFieldTooLargeForInt() {
        Path dir = model();
        editConfig(dir, c -> c.put("num_hidden_layers", 1L << 40));
        assertLoadFails(dir, config(dir), "'num_hidden_layers'", "must be an integer");
    }

    // ---- item 3: inconsistent config

    @Test
    void kvHeadsNotDividingHeads() {
        Path dir = model();
        editConfig(dir, c -> c.put("num_key_value_heads", 3));
        assertLoadFails(dir, config(dir), "num_key_value_heads (3)", "must divide num_attention_heads (8)");
    }

    @Test
    void hiddenNotDivisibleByHeadsWithoutHeadDim() {
        Path dir = model();
        editConfig(dir, c -> {
            c.remove("head_dim");
            c.put("num_attention_heads", 6);
            c.put("num_key_value_heads", 2);
        });
        assertLoadFails(dir, config(dir), "hidden_size (64)", "not divisible by num_attention_heads (6)",
                "no head_dim");
    }

    @Test
    void oddHeadDim() {
        Path dir = model();
        editConfig(dir, c -> c.put("head_dim", 7));
        assertLoadFails(dir, config(dir), "head_dim (7)", "even");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"hidden_size, 0", "hidden_size, -64", "num_attention_heads, 0", "num_attention_heads, -8",
            "num_hidden_layers, 0", "num_hidden_layers, -1", "num_key_value_heads, 0", "vocab_size, -512",
            "intermediate_size, 0", "head_dim, -8", "max_position_embeddings, 0"})
    void zeroOrNegativeSize(String field, int value) {
        Path dir = model();
        editConfig(dir, c -> c.put(field, value));
        assertLoadFails(dir, config(dir), "'" + field + "'", "must be positive, got " + value);
    }

    @Test
    void negativeRmsNormEps() {
        Path dir = model();
        editConfig(dir, c -> c.put("rms_norm_eps", -1e-5));
        assertLoadFails(dir, config(dir), "'rms_norm_eps'", "positive number");
    }

    @Test
    void eosOutsideVocabulary() {
        Path dir = model();
        editConfig(dir, c -> c.put("eos_token_id", 512));
        assertLoadFails(dir, config(dir), "eos_token_id 512", "outside the vocabulary");
    }

    // ---- item 4: unsupported family

    @Test
    void unknownModelTypeListsSupportedFamilies() {
        Path dir = model();
        editConfig(dir, c -> c.put("model_type", "gpt2"));
        assertLoadFails(dir, config(dir), "unsupported model_type 'gpt2'", "llama", "mistral", "qwen2", "qwen3");
    }

    @Test
    void missingModelType() {
        Path dir = model();
        editConfig(dir, c -> c.remove("model_type"));
        assertLoadFails(dir, config(dir), "'model_type'", "missing");
    }

    @Test
    void unsupportedActivation() {
        Path dir = model();
        editConfig(dir, c -> c.put("hidden_act", "gelu"));
        assertLoadFails(dir, config(dir), "hidden_act 'gelu'", "silu");
    }

    @Test
    void unsupportedRopeScaling() {
        Path dir = model();
        editConfig(dir, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0));
        assertLoadFails(dir, config(dir), "rope_scaling type 'yarn'", "llama3");
    }

    @Test
    void theUnchangedCopyLoads() {
        // Guards the tests above: the copy itself is valid, so each failure is the edit's doing.
        try (var m = io.groupthink.engine.GroupThinkModel.load(model(), BadFiles.TORCH)) {
            assertThat(m.config().numLayers()).isEqualTo(5);
        }
    }
}
