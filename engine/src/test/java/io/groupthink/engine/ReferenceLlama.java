package io.groupthink.engine;

import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.Floats;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * A slow, plain-Java Llama-family forward pass with no KV cache, written straight from the math
 * (llama2.c's run.c, in double precision accumulators): the reference the engine is checked
 * against. It takes a whole token list with explicit positions and an explicit visibility matrix
 * and recomputes everything from scratch.
 */
public final class ReferenceLlama {

    private final ModelConfig c;
    private final ModelFolder folder;

    public ReferenceLlama(Path dir) {
        this.folder = ModelFolder.open(dir);
        this.c = folder.config();
    }

    private float[] w(String name) {
        ModelFolder.Located l = folder.tensor(name);
        ByteBuffer mapped = l.file().map(l.entry());
        ByteBuffer f32 = l.entry().dtype() == DType.F32 ? mapped
                : Floats.widen(mapped, l.entry().dtype(), l.entry().elementCount());
        FloatBuffer fb = f32.duplicate().order(l.entry().dtype() == DType.F32 ? ByteOrder.LITTLE_ENDIAN
                : ByteOrder.nativeOrder()).asFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    /**
     * @param sees sees[i][j]: token i may attend token j
     * @return logits[i] for every token
     */
    public float[][] forward(int[] tokens, int[] positions, boolean[][] sees) {
        int t = tokens.length;
        int d = c.hiddenSize();
        int hd = c.headDim();
        float[] embed = w("model.embed_tokens.weight");
        float[][] x = new float[t][d];
        for (int i = 0; i < t; i++) {
            System.arraycopy(embed, tokens[i] * d, x[i], 0, d);
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            float[] wq = w(p + "self_attn.q_proj.weight");
            float[] wk = w(p + "self_attn.k_proj.weight");
            float[] wv = w(p + "self_attn.v_proj.weight");
            float[] wo = w(p + "self_attn.o_proj.weight");
            float[] bq = c.attentionBias() ? w(p + "self_attn.q_proj.bias") : null;
            float[] bk = c.attentionBias() ? w(p + "self_attn.k_proj.bias") : null;
            float[] bv = c.attentionBias() ? w(p + "self_attn.v_proj.bias") : null;
            float[] attnNorm = w(p + "input_layernorm.weight");
            float[][] q = new float[t][];
            float[][] k = new float[t][];
            float[][] v = new float[t][];
            for (int i = 0; i < t; i++) {
                float[] h = rmsNorm(x[i], attnNorm);
                q[i] = matvec(wq, bq, h, c.qDim());
                k[i] = matvec(wk, bk, h, c.kvDim());
                v[i] = matvec(wv, bv, h, c.kvDim());
                if (c.qkNorm()) {
                    headNorm(q[i], w(p + "self_attn.q_norm.weight"));
                    headNorm(k[i], w(p + "self_attn.k_norm.weight"));
                }
                rope(q[i], positions[i]);
                rope(k[i], positions[i]);
            }
            float[][] att = new float[t][c.qDim()];
            for (int i = 0; i < t; i++) {
                for (int head = 0; head < c.numHeads(); head++) {
                    int kvHead = head / c.groupSize();
                    double[] scores = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (!sees[i][j]) {
                            continue;
                        }
                        double s = 0;
                        for (int e = 0; e < hd; e++) {
                            s += q[i][head * hd + e] * k[j][kvHead * hd + e];
                        }
                        scores[j] = s / Math.sqrt(hd);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        scores[j] = sees[i][j] ? Math.exp(scores[j] - max) : 0;
                        sum += scores[j];
                    }
                    for (int e = 0; e < hd; e++) {
                        double acc = 0;
                        for (int j = 0; j < t; j++) {
                            acc += scores[j] / sum * v[j][kvHead * hd + e];
                        }
                        att[i][head * hd + e] = (float) acc;
                    }
                }
            }
            float[] mlpNorm = w(p + "post_attention_layernorm.weight");
            float[] gate = w(p + "mlp.gate_proj.weight");
            float[] up = w(p + "mlp.up_proj.weight");
            float[] down = w(p + "mlp.down_proj.weight");
            for (int i = 0; i < t; i++) {
                float[] o = matvec(wo, null, att[i], d);
                for (int e = 0; e < d; e++) {
                    x[i][e] += o[e];
                }
                float[] h = rmsNorm(x[i], mlpNorm);
                float[] g = matvec(gate, null, h, c.intermediateSize());
                float[] u = matvec(up, null, h, c.intermediateSize());
                for (int e = 0; e < g.length; e++) {
                    g[e] = (float) (g[e] / (1 + Math.exp(-g[e])) * u[e]);
                }
                float[] m = matvec(down, null, g, d);
                for (int e = 0; e < d; e++) {
                    x[i][e] += m[e];
                }
            }
        }
        float[] norm = w("model.norm.weight");
        float[] head = folder.tensors().containsKey("lm_head.weight") ? w("lm_head.weight") : embed;
        float[][] logits = new float[t][];
        for (int i = 0; i < t; i++) {
            logits[i] = matvec(head, null, rmsNorm(x[i], norm), c.vocabSize());
        }
        return logits;
    }

    /** Plain causal visibility over a single sequence. */
    public static boolean[][] causal(int t) {
        boolean[][] m = new boolean[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                m[i][j] = true;
            }
        }
        return m;
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double inv = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inv * weight[i]);
        }
        return out;
    }

    private void headNorm(float[] x, float[] weight) {
        int hd = c.headDim();
        for (int h = 0; h < x.length / hd; h++) {
            float[] part = new float[hd];
            System.arraycopy(x, h * hd, part, 0, hd);
            System.arraycopy(rmsNorm(part, weight), 0, x, h * hd, hd);
        }
    }

    /** Rotate-half RoPE: pairs (i, i + hd/2) at angle pos * theta^(-2i/hd), llama3-scaled if configured. */
    private void rope(float[] x, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        for (int i = 0; i < half; i++) {
            double inv = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / hd);
            if (c.ropeScaling() instanceof ModelConfig.RopeScaling.Divisors d) {
                inv /= d.divisors()[i]; // llama.cpp's rope: each frequency divided by its factor
            } else if (c.ropeScaling() instanceof ModelConfig.RopeScaling.Llama3 s) {
                double wavelen = 2 * Math.PI / inv;
                double low = s.originalMaxPositions() / s.lowFreqFactor();
                double high = s.originalMaxPositions() / s.highFreqFactor();
                if (wavelen > low) {
                    inv /= s.factor();
                } else if (wavelen >= high) {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv = (1 - smooth) * inv / s.factor() + smooth * inv;
                }
            }
            double a = pos * inv;
            double cos = Math.cos(a);
            double sin = Math.sin(a);
            for (int h = 0; h < x.length / hd; h++) {
                int j = h * hd + i;
                double x1 = x[j];
                double x2 = x[j + half];
                x[j] = (float) (x1 * cos - x2 * sin);
                x[j + half] = (float) (x2 * cos + x1 * sin);
            }
        }
    }

    private static float[] matvec(float[] w, float[] bias, float[] x, int rows) {
        int cols = x.length;
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double acc = bias == null ? 0 : bias[r];
            int base = r * cols;
            for (int i = 0; i < cols; i++) {
                acc += (double) w[base + i] * x[i];
            }
            out[r] = (float) acc;
        }
        return out;
    }
}
