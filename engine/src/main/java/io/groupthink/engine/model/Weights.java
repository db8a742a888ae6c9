package io.groupthink.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Read-only fp32 weights, as llama2.c's {@code TransformerWeights}, in the layout the forward pass
 * multiplies with: every projection is [out, in] (what {@code linear} wants), q/k/v are fused into
 * one matrix and gate/up into another, so a layer is a handful of large products.
 *
 * <p>F32 tensors that need no fusing alias the memory-mapped file (no copy); BF16/F16 are widened.
 * A linear operator that packs a matrix its own way takes it over: the forward pass then frees
 * the array here, so no weight is held twice.
 */
public final class Weights implements AutoCloseable {

    /** One transformer block. Shapes in comments; bias and q/k norms are null where the family has none. */
    public record Layer(
            NDArray attnNorm, // [dim]
            NDArray wqkv, // [qDim + 2 kvDim, dim]
            NDArray bqkv, // [qDim + 2 kvDim] or null (Qwen2)
            NDArray qNorm, // [headDim] or null (Qwen3)
            NDArray kNorm, // [headDim] or null (Qwen3)
            NDArray wo, // [dim, qDim]
            NDArray mlpNorm, // [dim]
            NDArray wGateUp, // [2 ffn, dim]
            NDArray wDown) {} // [dim, ffn]

    private final NDManager manager;
    public final NDArray embed; // [vocab, dim]
    public final Layer[] layers;
    public final NDArray finalNorm; // [dim]
    public final NDArray lmHead; // [vocab, dim]; the same array as embed when tied

    private Weights(NDManager manager, NDArray embed, Layer[] layers, NDArray finalNorm, NDArray lmHead) {
        this.manager = manager;
        this.embed = embed;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Loads every weight of the source into {@code manager}, one tensor at a time (quantized ones are
     * dequantized here, so peak memory is the model plus one tensor). With {@code checkFinite}, a NaN or
     * infinite value is refused, naming the tensor (like llama.cpp's --check-tensors).
     */
    public static Weights load(ModelSource folder, NDManager manager, boolean checkFinite) {
        ModelConfig c = folder.config();
        List<Integer> extra = folder.unexpectedLayers();
        if (!extra.isEmpty()) {
            throw new ModelLoadException(folder.weightsPath(), "tensors for layer(s) " + extra
                    + " exist but the configuration declares num_hidden_layers = " + c.numLayers());
        }
        Loader l = new Loader(folder, manager, checkFinite);
        int d = c.hiddenSize();
        NDArray embed = l.load("model.embed_tokens.weight", c.vocabSize(), d);
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            NDArray bias = null;
            if (c.attentionBias()) {
                bias = l.concat(l.load(p + "self_attn.q_proj.bias", c.qDim()),
                        l.load(p + "self_attn.k_proj.bias", c.kvDim()),
                        l.load(p + "self_attn.v_proj.bias", c.kvDim()));
            }
            layers[i] = new Layer(
                    l.load(p + "input_layernorm.weight", d),
                    l.concat(l.load(p + "self_attn.q_proj.weight", c.qDim(), d),
                            l.load(p + "self_attn.k_proj.weight", c.kvDim(), d),
                            l.load(p + "self_attn.v_proj.weight", c.kvDim(), d)),
                    bias,
                    c.qkNorm() ? l.load(p + "self_attn.q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? l.load(p + "self_attn.k_norm.weight", c.headDim()) : null,
                    l.load(p + "self_attn.o_proj.weight", d, c.qDim()),
                    l.load(p + "post_attention_layernorm.weight", d),
                    l.concat(l.load(p + "mlp.gate_proj.weight", c.intermediateSize(), d),
                            l.load(p + "mlp.up_proj.weight", c.intermediateSize(), d)),
                    l.load(p + "mlp.down_proj.weight", d, c.intermediateSize()));
        }
        NDArray norm = l.load("model.norm.weight", d);
        NDArray head;
        if (folder.hasTensor("lm_head.weight")) {
            head = l.load("lm_head.weight", c.vocabSize(), d);
        } else if (c.tieWordEmbeddings()) {
            head = embed;
        } else {
            throw new ModelLoadException(folder.weightsPath(),
                    "tensor 'lm_head.weight' is missing and tie_word_embeddings is false");
        }
        return new Weights(manager, embed, layers, norm, head);
    }

    @Override
    public void close() {
        manager.close();
    }

    private record Loader(ModelSource folder, NDManager manager, boolean checkFinite) {

        NDArray load(String name, long... expected) {
            RawTensor t = folder.weight(name);
            if (!Arrays.equals(t.shape(), expected)) {
                throw new ModelLoadException(t.file(), "tensor shape mismatch for '" + t.name() + "': file has "
                        + Arrays.toString(t.shape()) + ", the configuration implies " + Arrays.toString(expected));
            }
            ByteBuffer f32 = t.toF32();
            if (checkFinite) {
                checkFinite(t, f32.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            }
            return manager.create(f32, new Shape(expected), DataType.FLOAT32);
        }

        NDArray concat(NDArray... parts) {
            NDArray out = NDArrays.concat(new NDList(parts), 0);
            for (NDArray p : parts) {
                p.close();
            }
            return out;
        }

        void checkFinite(RawTensor t, FloatBuffer values) {
            for (int i = 0; i < values.limit(); i++) {
                float v = values.get(i);
                if (!Float.isFinite(v)) {
                    throw new ModelLoadException(t.file(), "tensor '" + t.name() + "' holds a non-finite value ("
                            + v + ") at element " + i);
                }
            }
        }
    }
}
