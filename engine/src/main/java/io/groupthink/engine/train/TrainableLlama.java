package io.groupthink.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.SafetensorsWriter;
import io.groupthink.engine.runtime.Rope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Llama with tied embeddings whose forward pass records gradients: the same math as
 * runtime/Transformer (rms_norm, rotate-half RoPE from the same tables, softmax attention under an
 * additive mask, SwiGLU), over a padded batch of whole sequences instead of a KV cache.
 * Weights keep Hugging Face names and layouts ([out, in]), so saving is a copy.
 */
public final class TrainableLlama implements AutoCloseable {

    private final ModelConfig c;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final float[] cosTable; // [maxPositions, hd]
    private final float[] sinTable;
    private final NDArray rotateHalf; // [hd, hd]
    // Scalars the graph uses, as tensors that live as long as the model. DJL's x.mul(2.0) wraps the
    // number in a tensor over a Java direct buffer and closes it at once; autograd keeps that tensor
    // for the backward pass, which then reads freed memory once a GC has run (NaN or wrong gradients,
    // at steps that depend on GC timing: the lost reproducibility).
    private final NDArray attentionScale;
    private final NDArray rmsEps;

    public TrainableLlama(ModelConfig config, NDManager parent, long seed) {
        this.c = config;
        if (!config.tieWordEmbeddings() || config.numKvHeads() != config.numHeads()) {
            throw new IllegalArgumentException("trains tied-embedding models with as many KV heads as query heads");
        }
        this.manager = parent.newSubManager();
        Random random = new Random(seed);
        int d = c.hiddenSize();
        int f = c.intermediateSize();
        double std = 0.02;
        double outStd = std / Math.sqrt(2.0 * c.numLayers()); // residual branches start small
        add("model.embed_tokens.weight", random, std, c.vocabSize(), d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(p + "input_layernorm.weight", d);
            add(p + "self_attn.q_proj.weight", random, std, d, d);
            add(p + "self_attn.k_proj.weight", random, std, d, d);
            add(p + "self_attn.v_proj.weight", random, std, d, d);
            add(p + "self_attn.o_proj.weight", random, outStd, d, d);
            ones(p + "post_attention_layernorm.weight", d);
            add(p + "mlp.gate_proj.weight", random, std, f, d);
            add(p + "mlp.up_proj.weight", random, std, f, d);
            add(p + "mlp.down_proj.weight", random, outStd, d, f);
        }
        ones("model.norm.weight", d);
        float[][] tables = Rope.tables(c);
        this.cosTable = tables[0];
        this.sinTable = tables[1];
        this.rotateHalf = manager.create(Rope.rotateHalfMatrix(c.headDim()), new Shape(c.headDim(), c.headDim()));
        this.attentionScale = manager.create((float) (1.0 / Math.sqrt(c.headDim())));
        this.rmsEps = manager.create((float) c.rmsNormEps());
    }

    private void add(String name, Random random, double std, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        register(name, manager.create(v, new Shape(rows, cols)));
    }

    private void ones(String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        register(name, manager.create(v, new Shape(n)));
    }

    private void register(String name, NDArray a) {
        a.setRequiresGradient(true);
        params.put(name, a);
    }

    public Map<String, NDArray> parameters() {
        return params;
    }

    public long parameterCount() {
        return params.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    public ModelConfig config() {
        return c;
    }

    /**
     * Mean cross-entropy over the batch's target rows. Call inside a gradient collector, with the
     * parameters temporarily attached to {@code step} so every intermediate lands there.
     */
    public NDArray loss(TrainingBatch b, NDManager step) {
        NDArray weights = step.create(b.targetWeights(c.vocabSize()), new Shape((long) b.sequences() * b.length(),
                c.vocabSize()));
        return logits(b, step).logSoftmax(-1).mul(weights).sum().neg();
    }

    /** Logits of every row, [B * T, vocab]. */
    public NDArray logits(TrainingBatch b, NDManager step) {
        int d = c.hiddenSize();
        int h = c.numHeads();
        int hd = c.headDim();
        int bs = b.sequences();
        int t = b.length();
        NDArray embed = params.get("model.embed_tokens.weight");
        NDArray x = step.create(b.oneHotInputs(c.vocabSize()), new Shape((long) bs * t, c.vocabSize()))
                .matMul(embed); // [B*T, d]
        NDArray cos = step.create(gather(cosTable, b.positions(), hd), new Shape(bs, t, 1, hd));
        NDArray sin = step.create(gather(sinTable, b.positions(), hd), new Shape(bs, t, 1, hd));
        NDArray mask = step.create(b.mask(), new Shape(bs, 1, t, t));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            NDArray a = rmsNorm(x, params.get(p + "input_layernorm.weight"));
            NDArray q = rope(linear(a, p + "self_attn.q_proj.weight").reshape(bs, t, h, hd), cos, sin)
                    .transpose(0, 2, 1, 3); // [B, H, T, hd]
            NDArray k = rope(linear(a, p + "self_attn.k_proj.weight").reshape(bs, t, h, hd), cos, sin)
                    .transpose(0, 2, 1, 3);
            NDArray v = linear(a, p + "self_attn.v_proj.weight").reshape(bs, t, h, hd).transpose(0, 2, 1, 3);
            NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale).add(mask).softmax(-1); // [B, H, T, T]
            NDArray att = probs.matMul(v).transpose(0, 2, 1, 3).reshape((long) bs * t, d);
            x = x.add(linear(att, p + "self_attn.o_proj.weight"));
            NDArray m = rmsNorm(x, params.get(p + "post_attention_layernorm.weight"));
            NDArray gate = linear(m, p + "mlp.gate_proj.weight");
            NDArray hidden = gate.mul(Activation.sigmoid(gate)).mul(linear(m, p + "mlp.up_proj.weight"));
            x = x.add(linear(hidden, p + "mlp.down_proj.weight"));
        }
        return rmsNorm(x, params.get("model.norm.weight")).matMul(embed.transpose()); // [B*T, V]
    }

    private NDArray linear(NDArray x, String name) {
        return x.matMul(params.get(name).transpose());
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray ms = x.mul(x).mean(new int[] {-1}, true).add(rmsEps);
        return x.div(ms.sqrt()).mul(weight);
    }

    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(x.matMul(rotateHalf).mul(sin));
    }

    private static float[] gather(float[] table, int[] positions, int hd) {
        float[] out = new float[positions.length * hd];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(table, positions[i] * hd, out, i * hd, hd);
        }
        return out;
    }

    /** Writes the weights as {@code model.safetensors} in {@code dtype}. */
    public void save(Path dir, DType dtype) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (var e : params.entrySet()) {
            w.add(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray());
        }
        w.write(dir.resolve(ModelFolder.WEIGHTS), dtype);
    }

    /** Parameters that weight decay applies to: the matrices, not the norm gains. */
    public List<String> decayed() {
        List<String> out = new ArrayList<>();
        for (var e : params.entrySet()) {
            if (e.getValue().getShape().dimension() == 2) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
