package io.groupthink.engine.model.gguf;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.ArrayList;
import java.util.function.IntUnaryOperator;
import io.groupthink.engine.quant.Q4_K;
import io.groupthink.engine.quant.Q8_0;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Small GGUF files for the bad-input tests, and byte-level helpers to corrupt them precisely. */
final class GgufFixtures {

    /** Every step's logits of a plain generation whose step i is fed {@code input(i)}, whatever it predicts. */
    static List<float[]> forcedLogits(GroupThinkModel model, int[] prompt, int steps, IntUnaryOperator input) {
        List<float[]> out = new ArrayList<>();
        StepHook hook = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                out.add(l.clone());
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return input.applyAsInt(index);
            }
        };
        model.run(List.of(model.newPlainSession(prompt, steps, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, hook)));
        return out;
    }

    private GgufFixtures() {}

    /** Metadata of every kind the reader handles and three tensors: F32, Q8_0 and Q4_K. */
    static byte[] small() {
        Random r = new Random(3);
        float[] a = new float[4 * 3];
        float[] b = new float[32 * 2];
        float[] c = new float[256];
        for (float[] x : new float[][] {a, b, c}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
        }
        ByteBuffer q8 = ByteBuffer.allocate(2 * Q8_0.BYTES);
        Q8_0.quantize(b, 0, b.length, q8);
        ByteBuffer qk = ByteBuffer.allocate(Q4_K.BYTES);
        Q4_K.quantize(c, 0, c.length, qk);
        return new GgufWriter().string("general.architecture", "llama").u32("llama.block_count", 1)
                .f32("llama.rope.freq_base", 10000f).bool("tokenizer.ggml.add_bos_token", true)
                .strings("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "a", "b"))
                .f32s("tokenizer.ggml.scores", new float[] {0, 0, -1, -2})
                .i32s("tokenizer.ggml.token_type", new int[] {2, 3, 1, 1})
                .f32Tensor("token_embd.weight", new long[] {4, 3}, a)
                .tensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {32, 2}, q8.array())
                .tensor("blk.0.ffn_up.weight", GgmlType.Q4_K, new long[] {256, 1}, qk.array())
                .bytes();
    }

    /** Index of the first occurrence of {@code s}'s UTF-8 bytes. */
    static int find(byte[] b, String s) {
        byte[] needle = s.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + needle.length <= b.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException(s + " not in file");
    }

    static void putInt(byte[] b, int pos, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, v);
    }

    static void putLong(byte[] b, int pos, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, v);
    }

    /** Position of a tensor's type id in the table (after its name, n_dims and dims). */
    static int typePos(byte[] b, String tensor, int nDims) {
        return find(b, tensor) + tensor.length() + 4 + 8 * nDims;
    }

    /**
     * A copy of {@code src} with metadata overridden (a null value drops the key) and the listed tensors
     * replaced by zero data of another type.
     */
    static GgufWriter copy(GgufFile src, Map<String, Object> overrides, Map<String, GgmlType> retype) {
        GgufWriter w = new GgufWriter();
        src.metadata().forEach((k, v) -> {
            if (!overrides.containsKey(k)) {
                w.copy(k, v);
            }
        });
        overrides.forEach((k, v) -> {
            if (v != null) {
                w.copy(k, v);
            }
        });
        for (GgufFile.TensorInfo t : src.tensors().values()) {
            GgmlType type = retype.get(t.name());
            if (type != null) {
                long rows = t.elementCount() / t.dims()[0];
                w.tensor(t.name(), type, t.dims(), new byte[(int) (type.rowBytes(t.dims()[0]) * rows)]);
            } else {
                ByteBuffer data = src.map(t);
                byte[] raw = new byte[data.remaining()];
                data.get(raw);
                w.tensor(t.name(), t.type(), t.dims(), raw);
            }
        }
        return w;
    }

    static final Set<String> NONE = Set.of();
}
