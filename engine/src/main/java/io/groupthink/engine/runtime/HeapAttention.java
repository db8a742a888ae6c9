package io.groupthink.engine.runtime;

import io.groupthink.engine.model.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The decode step's work between the products, on the Java heap: rotary embedding, attention over
 * the cache and residual adds, as llama2.c's run.c writes them, vectorised over a head's dimensions.
 */
final class HeapAttention {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private HeapAttention() {}

    /**
     * Hugging Face rotate-half RoPE in place: within each head, dimension i pairs with i + hd/2.
     * x is [T, heads, hd]; cos and sin are [maxPositions, hd] with equal halves.
     */
    static void rope(float[] x, int t, int heads, int hd, long[] positions, float[] cos, float[] sin) {
        int half = hd / 2;
        for (int r = 0; r < t; r++) {
            int p = (int) positions[r] * hd;
            for (int h = 0; h < heads; h++) {
                int o = (r * heads + h) * hd;
                for (int i = 0; i < half; i++) {
                    float x1 = x[o + i];
                    float x2 = x[o + i + half];
                    x[o + i] = x1 * cos[p + i] - x2 * sin[p + i];
                    x[o + i + half] = x2 * cos[p + i + half] + x1 * sin[p + i + half];
                }
            }
        }
    }

    /**
     * Grouped-query attention of rows [row0, row1) of q [T, H, hd] over one group's keys, into out
     * [T, H, hd]: softmax(q k / sqrt(hd) + mask) v per head, where a query head reads the KV head
     * of its group. Keys the mask hides are skipped, not multiplied by zero.
     *
     * @param slots the group's cache slots in key order (null: slots 0..keys-1)
     * @param mask  [row1 - row0, keys], 0 or -inf
     */
    static void attend(ModelConfig c, float[] q, float[] out, int row0, int row1, int[] slots, float[] mask,
            float[] keys, float[] values) {
        int hd = c.headDim();
        int heads = c.numHeads();
        int group = c.groupSize();
        int kvDim = c.kvDim();
        int n = mask.length / (row1 - row0);
        float scale = (float) (1 / Math.sqrt(hd));
        float[] p = new float[n];
        float[] lanes = new float[S.length()];
        for (int r = row0; r < row1; r++) {
            int m = (r - row0) * n;
            for (int h = 0; h < heads; h++) {
                int qo = (r * heads + h) * hd;
                int kvo = (h / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (mask[m + j] == Float.NEGATIVE_INFINITY) {
                        p[j] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    int slot = slots == null ? j : slots[j];
                    p[j] = dot(q, qo, keys, slot * kvDim + kvo, hd, lanes) * scale + mask[m + j];
                    max = Math.max(max, p[j]);
                }
                float sum = 0;
                for (int j = 0; j < n; j++) {
                    p[j] = p[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(p[j] - max);
                    sum += p[j];
                }
                float inv = 1f / sum;
                for (int j = 0; j < n; j++) {
                    if (p[j] != 0f) {
                        int slot = slots == null ? j : slots[j];
                        axpy(p[j] * inv, values, slot * kvDim + kvo, out, qo, hd);
                    }
                }
            }
        }
    }

    /**
     * The lanes are summed in lane order, not with reduceLanes, whose intrinsic adds in another
     * order than its interpreted fallback: a step's logits must not depend on the JIT's progress.
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n, float[] lanes) {
        int i = 0;
        float sum = 0;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (; i + S.length() <= n; i += S.length()) {
                acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            }
            acc.intoArray(lanes, 0);
            for (float v : lanes) {
                sum += v;
            }
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** y[yo..yo + n) += a x[xo..xo + n). */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int i = 0;
        for (; i + S.length() <= n; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /** The residual: x += y. */
    static void addInPlace(float[] x, float[] y) {
        int i = 0;
        for (; i + S.length() <= x.length; i += S.length()) {
            FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, y, i)).intoArray(x, i);
        }
        for (; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
