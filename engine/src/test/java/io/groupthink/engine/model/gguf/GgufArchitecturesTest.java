package io.groupthink.engine.model.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.model.RawTensor;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A random Hugging Face folder of each family, converted to GGUF the way llama.cpp's converter does
 * (llama.cpp names, ggml dims, Q/K rows permuted for llama and mistral, F16 storage as an option),
 * decodes with the same logits as the folder: the metadata → config mapping, the tensor names, qwen2's
 * biases, qwen3's q/k norms and the un-permutation all hold.
 */
class GgufArchitecturesTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("llama", GgmlType.F32, false), Arguments.of("mistral", GgmlType.F32, false),
                Arguments.of("qwen2", GgmlType.F32, false), Arguments.of("qwen3", GgmlType.F32, false),
                Arguments.of("llama", GgmlType.F16, false), Arguments.of("qwen2", GgmlType.BF16, false),
                Arguments.of("llama", GgmlType.F32, true));
    }

    /** The last case is Llama 3.1-style rope scaling: config.json's rope_scaling, a GGUF's rope_freqs.weight. */
    @ParameterizedTest(name = "{0} {1}, llama3 rope scaling {2}")
    @MethodSource("families")
    void convertedFolderDecodesLikeTheFolder(String family, GgmlType storage, boolean llama3) throws IOException {
        RandomModel.Spec tiny = RandomModel.Spec.tiny(family);
        RandomModel.Spec spec = new RandomModel.Spec(family, tiny.hidden(), tiny.intermediate(), tiny.layers(),
                tiny.heads(), tiny.kvHeads(), tiny.headDim(), 512, tiny.maxPositions(), false,
                storage == GgmlType.F32 ? DType.F32 : DType.valueOf(storage.name()), 1, 42, llama3);
        Path dir = TestModels.random(spec);
        Path file = tmp.resolve(family + ".gguf");
        convert(ModelFolder.open(dir), GgufFile.open(TestModels.storiesGguf()), storage).write(file);

        int[] prompt = {1, 300, 301, 302, 303};
        GroupThinkModel.Options torch = new GroupThinkModel.Options(0, false, LinearFactory.TORCH);
        try (GroupThinkModel folder = GroupThinkModel.load(dir, torch);
                GroupThinkModel gguf = GroupThinkModel.load(file, torch)) {
            assertThat(gguf.config()).usingRecursiveComparison().ignoringFields("eosTokenIds", "bosTokenId",
                    "maxPositions", "rmsNormEps", "ropeTheta", "ropeScaling").isEqualTo(folder.config());
            if (llama3) {
                assertThat(gguf.config().ropeScaling()).isInstanceOf(ModelConfig.RopeScaling.Divisors.class);
            } else {
                assertThat(gguf.config().ropeScaling()).isNull();
            }
            assertThat(gguf.tensorTypes()).containsKey(storage.name());
            List<float[]> a = logits(folder, prompt);
            List<float[]> b = logits(gguf, prompt);
            double max = 0;
            for (int s = 0; s < a.size(); s++) {
                for (int v = 0; v < a.get(s).length; v++) {
                    max = Math.max(max, Math.abs(a.get(s)[v] - b.get(s)[v]));
                }
            }
            assertThat(b).hasSameSizeAs(a);
            assertThat(max).as("max |logit delta| over %d steps", a.size()).isLessThanOrEqualTo(1e-4);
        }
    }

    /** A rope_freqs.weight of the wrong length or with a divisor that is not positive is refused by name. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badRopeFreqs")
    void malformedRopeFreqsAreRefusedByName(String what, int length, float first, String message) throws IOException {
        RandomModel.Spec tiny = RandomModel.Spec.tiny("llama");
        Path dir = TestModels.random(new RandomModel.Spec("llama", tiny.hidden(), tiny.intermediate(), tiny.layers(),
                tiny.heads(), tiny.kvHeads(), tiny.headDim(), 512, tiny.maxPositions(), false, DType.F32, 1, 42,
                false)); // stories260K's 512 tokens, as the tokenizer metadata copied below lists
        float[] divisors = new float[length];
        java.util.Arrays.fill(divisors, 1f);
        divisors[0] = first;
        Path file = tmp.resolve("bad-rope.gguf");
        convert(ModelFolder.open(dir), GgufFile.open(TestModels.storiesGguf()), GgmlType.F32)
                .tensor("rope_freqs.weight", GgmlType.F32, new long[] {length}, encode(divisors, GgmlType.F32))
                .write(file);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GroupThinkModel.load(file,
                        new GroupThinkModel.Options(0, false, LinearFactory.TORCH)))
                .isInstanceOf(io.groupthink.engine.model.ModelLoadException.class)
                .hasMessageContaining("rope_freqs.weight").hasMessageContaining(message)
                .hasMessageContaining(file.toString());
    }

    static Stream<Arguments> badRopeFreqs() {
        int half = RandomModel.Spec.tiny("llama").headDim() / 2;
        return Stream.of(Arguments.of("one value too many", half + 1, 1f, "half the head size"),
                Arguments.of("a zero divisor", half, 0f, "positive and finite"),
                Arguments.of("a NaN divisor", half, Float.NaN, "positive and finite"),
                Arguments.of("an infinite divisor", half, Float.POSITIVE_INFINITY, "positive and finite"));
    }

    private static List<float[]> logits(GroupThinkModel model, int[] prompt) {
        return GgufFixtures.forcedLogits(model, prompt, 12, i -> 300 + i); // the same inputs for both
    }

    /** A folder's weights as llama.cpp's converter writes them, with stories260K's tokenizer metadata. */
    static GgufWriter convert(ModelFolder folder, GgufFile tokenizerFrom, GgmlType storage) {
        ModelConfig c = folder.config();
        String a = c.modelType() + ".";
        GgufWriter w = new GgufWriter().string("general.architecture", c.modelType())
                .u32(a + "block_count", c.numLayers()).u32(a + "embedding_length", c.hiddenSize())
                .u32(a + "feed_forward_length", c.intermediateSize()).u32(a + "attention.head_count", c.numHeads())
                .u32(a + "attention.head_count_kv", c.numKvHeads()).u32(a + "attention.key_length", c.headDim())
                .u32(a + "context_length", c.maxPositions())
                .f32(a + "attention.layer_norm_rms_epsilon", (float) c.rmsNormEps())
                .f32(a + "rope.freq_base", (float) c.ropeTheta());
        tokenizerFrom.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) {
                w.copy(k, v);
            }
        });
        if (c.ropeScaling() instanceof ModelConfig.RopeScaling.Llama3 s) {
            w.tensor("rope_freqs.weight", GgmlType.F32, new long[] {c.headDim() / 2},
                    encode(ropeFactors(c, s), GgmlType.F32));
        }
        boolean permute = GgufModel.PERMUTED.contains(c.modelType());
        for (String name : folder.tensors().keySet()) {
            RawTensor t = folder.weight(name);
            ByteBuffer data = t.toF32();
            String g = GgufModel.ggufName(name);
            int heads = g.contains(".attn_q.") ? c.numHeads() : g.contains(".attn_k.") ? c.numKvHeads() : 0;
            float[] x = new float[(int) t.elementCount()];
            data.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
            if (permute && heads > 0) {
                x = permute(x, heads, (int) (t.shape().length == 1 ? 1 : t.shape()[1]));
            }
            long[] dims = GgufWriter.reverse(t.shape());
            boolean matrix = t.shape().length == 2;
            GgmlType type = matrix ? storage : GgmlType.F32;
            w.tensor(g, type, dims, encode(x, type));
        }
        return w;
    }

    /**
     * llama.cpp's converter for rope_type llama3: per frequency a divisor, 1 for short wavelengths,
     * the factor for long ones, 1 / ((1 - smooth) / factor + smooth) between.
     */
    static float[] ropeFactors(ModelConfig c, ModelConfig.RopeScaling.Llama3 s) {
        int dim = c.headDim();
        float[] factors = new float[dim / 2];
        double low = s.originalMaxPositions() / s.lowFreqFactor();
        double high = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < dim / 2; i++) {
            double freq = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / dim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < high) {
                factors[i] = 1f;
            } else if (wavelen > low) {
                factors[i] = (float) s.factor();
            } else {
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                factors[i] = (float) (1 / ((1 - smooth) / s.factor() + smooth));
            }
        }
        return factors;
    }

    /** llama.cpp's permute: HF row h*hd + c*hd/2 + i goes to ggml row h*hd + 2i + c. */
    static float[] permute(float[] x, int heads, int width) {
        int rows = x.length / width;
        int hd = rows / heads;
        float[] out = new float[x.length];
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < hd / 2; i++) {
                    System.arraycopy(x, (h * hd + c * hd / 2 + i) * width, out, (h * hd + 2 * i + c) * width, width);
                }
            }
        }
        return out;
    }

    private static byte[] encode(float[] x, GgmlType type) {
        ByteBuffer b = ByteBuffer.allocate(x.length * (type == GgmlType.F32 ? 4 : 2))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            switch (type) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(io.groupthink.engine.model.Floats.toF16(v));
                default -> b.putShort(io.groupthink.engine.model.Floats.toBf16(v));
            }
        }
        return b.array();
    }

}
