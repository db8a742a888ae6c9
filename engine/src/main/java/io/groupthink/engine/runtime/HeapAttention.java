package io.groupthink.engine.runtime;

import io.groupthink.engine.model.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The decode step's work between the products, on the Java heap: rotary embedding, attention over
 * the cache and residual adds, as llama2.c's run.c writes them, vectorised over a head's dimensions.
 */
final class HeapAttention {

    /** At most a key tile wide, so that a tile is a whole number of vectors. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.length() <= KvCache.TILE
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;

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
     * Grouped-query attention of rows [row0, row1) of q [T, H, hd] over one group's keys, for the
     * query heads that read KV head {@code kvHead}, into out [T, H, hd]: softmax(q k / sqrt(hd) +
     * mask) v. Keys come in tiles of {@link KvCache#TILE} slots (dimension-major within a tile), so
     * one tile's scores are FMAs of a broadcast query element, each lane summing its key's products
     * in dimension order: no horizontal sum per key (a 16-lane sum is a chain of 15 dependent adds,
     * which made attention a fifth of a 4-thinker step), and the same sums whether the JIT has
     * compiled the loop or not. Keys the mask hides get no weight; their values are not read.
     *
     * @param slots the group's cache slots in key order (null: slots 0..keys-1)
     * @param mask  [row1 - row0, keys], 0 or -inf
     */
    static void attend(ModelConfig c, float[] q, float[] out, int row0, int row1, int[] slots, float[] mask,
            KvCache cache, int layer, int kvHead) {
        int hd = c.headDim();
        int heads = c.numHeads();
        int group = c.groupSize();
        int kvDim = c.kvDim();
        int tile = KvCache.TILE;
        int n = mask.length / (row1 - row0);
        int tiles = (n + tile - 1) / tile;
        float[] values = cache.valueArray(layer);
        float[] keys = cache.keyTiles(layer);
        int first = cache.key(0, kvHead, 0);
        int stride = cache.key(tile, kvHead, 0) - first; // from one tile of this head to the next
        if (slots != null) { // other sessions' slots lie between this group's: gather its keys
            keys = cache.keyTiles(layer, slots, kvHead);
            first = 0;
            stride = hd * tile;
        }
        // the group's queries of this KV head, in (row, head) order
        int queries = (row1 - row0) * group;
        int[] qo = new int[queries];
        for (int r = row0, k = 0; r < row1; r++) {
            for (int g = 0; g < group; g++) {
                qo[k++] = (r * heads + kvHead * group + g) * hd;
            }
        }
        int width = tiles * tile;
        float[] s = new float[queries * width];
        for (int b = 0; b < tiles; b++) {
            scores(q, qo, keys, first + b * stride, hd, s, width, b * tile);
        }
        float scale = (float) (1 / Math.sqrt(hd));
        int kvo = kvHead * hd;
        int[] seen = new int[n]; // the keys a row sees, and where their values are
        int[] at = new int[n];
        int count = 0;
        for (int k = 0; k < queries; k++) {
            int m = (k / group) * n;
            if (k % group == 0) { // a new row: the keys its mask lets through
                count = 0;
                for (int j = 0; j < n; j++) {
                    if (mask[m + j] != Float.NEGATIVE_INFINITY) {
                        seen[count] = j;
                        at[count++] = (slots == null ? j : slots[j]) * kvDim + kvo;
                    }
                }
            }
            int so = k * width;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < count; t++) {
                max = Math.max(max, s[so + seen[t]]);
            }
            for (int t = 0; t < count; t++) {
                s[so + t] = s[so + seen[t]]; // t <= seen[t]: the seen scores move to the front, in order
            }
            float sum = softmaxWeights(s, so, count, max, scale);
            weighted(s, so, 1f / sum, count, at, values, out, qo[k], hd);
        }
    }

    /**
     * Scores of every query against the TILE keys of the tile at {@code at}, into s[query][col..]:
     * four queries at a time share each load of the tile.
     */
    private static void scores(float[] q, int[] qo, float[] keys, int at, int hd, float[] s, int width, int col) {
        int tile = KvCache.TILE;
        int k = 0;
        for (; k + 4 <= qo.length; k += 4) {
            for (int l = 0; l < tile; l += S.length()) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int i = 0; i < hd; i++) {
                    FloatVector kv = FloatVector.fromArray(S, keys, at + i * tile + l);
                    a0 = kv.fma(FloatVector.broadcast(S, q[qo[k] + i]), a0);
                    a1 = kv.fma(FloatVector.broadcast(S, q[qo[k + 1] + i]), a1);
                    a2 = kv.fma(FloatVector.broadcast(S, q[qo[k + 2] + i]), a2);
                    a3 = kv.fma(FloatVector.broadcast(S, q[qo[k + 3] + i]), a3);
                }
                a0.intoArray(s, k * width + col + l);
                a1.intoArray(s, (k + 1) * width + col + l);
                a2.intoArray(s, (k + 2) * width + col + l);
                a3.intoArray(s, (k + 3) * width + col + l);
            }
        }
        for (; k < qo.length; k++) {
            for (int l = 0; l < tile; l += S.length()) {
                FloatVector a = FloatVector.zero(S);
                for (int i = 0; i < hd; i++) {
                    a = FloatVector.fromArray(S, keys, at + i * tile + l).fma(FloatVector.broadcast(S, q[qo[k] + i]), a);
                }
                a.intoArray(s, k * width + col + l);
            }
        }
    }

    /**
     * w[t] = e^((w[t] - max) scale) for t < count, with the vectorised exponential (Math.exp a key
     * at a time was most of a 4-thinker step's attention); returns their sum, added in key order.
     */
    private static float softmaxWeights(float[] w, int wo, int count, float max, float scale) {
        int t = 0;
        if (S != FloatVector.SPECIES_PREFERRED) { // vectors wider than a key tile: VectorMath works in those
            t = count;
            for (int i = 0; i < count; i++) {
                w[wo + i] = (float) Math.exp((w[wo + i] - max) * scale);
            }
        }
        for (; t + S.length() <= count; t += S.length()) {
            VectorMath.exp(FloatVector.fromArray(S, w, wo + t).sub(max).mul(scale)).intoArray(w, wo + t);
        }
        for (; t < count; t++) {
            w[wo + t] = VectorMath.exp(FloatVector.broadcast(S, (w[wo + t] - max) * scale)).lane(0);
        }
        float sum = 0;
        for (t = 0; t < count; t++) {
            sum += w[wo + t];
        }
        return sum;
    }

    /**
     * out[o..o + hd) = sum_t w[t] inv v_t over the keys a row sees (their values at {@code at}), two
     * vectors of dimensions at a time accumulated in registers. No branch in the loop: C2 (JDK 17)
     * left a vector accumulator merged across one to the library's Java fallback.
     */
    private static void weighted(float[] w, int wo, float inv, int count, int[] at, float[] values, float[] out,
            int o, int hd) {
        int d = 0;
        for (; d + 2 * S.length() <= hd; d += 2 * S.length()) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            for (int t = 0; t < count; t++) {
                FloatVector wv = FloatVector.broadcast(S, w[wo + t] * inv);
                a0 = FloatVector.fromArray(S, values, at[t] + d).fma(wv, a0);
                a1 = FloatVector.fromArray(S, values, at[t] + d + S.length()).fma(wv, a1);
            }
            a0.intoArray(out, o + d);
            a1.intoArray(out, o + d + S.length());
        }
        for (; d < hd; d++) { // what is left of a head narrower than two vectors
            float a = 0;
            for (int t = 0; t < count; t++) {
                a += w[wo + t] * inv * values[at[t] + d];
            }
            out[o + d] = a;
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
