package io.groupthink.engine.runtime;

import io.groupthink.engine.model.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
        int l = S.length();
        for (int r = 0; r < t; r++) {
            int p = (int) positions[r] * hd;
            for (int h = 0; h < heads; h++) {
                int o = (r * heads + h) * hd;
                int i = 0;
                for (; i + l <= half; i += l) { // a vector of pairs: the scalar loop's products and sums, in vectors
                    FloatVector x1 = FloatVector.fromArray(S, x, o + i);
                    FloatVector x2 = FloatVector.fromArray(S, x, o + i + half);
                    x1.mul(FloatVector.fromArray(S, cos, p + i)).sub(x2.mul(FloatVector.fromArray(S, sin, p + i)))
                            .intoArray(x, o + i);
                    x2.mul(FloatVector.fromArray(S, cos, p + i + half))
                            .add(x1.mul(FloatVector.fromArray(S, sin, p + i + half))).intoArray(x, o + i + half);
                }
                for (; i < half; i++) {
                    float x1 = x[o + i];
                    float x2 = x[o + i + half];
                    x[o + i] = x1 * cos[p + i] - x2 * sin[p + i];
                    x[o + i + half] = x2 * cos[p + i + half] + x1 * sin[p + i + half];
                }
            }
        }
    }

    /**
     * The keys each row of an attention group sees, found once per pass from the group's mask:
     * every layer and KV head of the pass reads the same (scanning the mask in each of them was a
     * fifth of attention at 4 thinkers).
     */
    static final class Visible {
        final int rows;
        final int keys;
        final int width; // the keys in whole tiles
        final int[] slots; // the group's cache slots in key order (null: slots 0..keys-1)
        final float[] bias; // [rows, width]: a row's mask, its padding to whole tiles hidden
        final int[][] seen; // per row, the keys it sees, in key order
        final int[][] at; // per row, where those keys' values start in a layer's value array (KV head 0)
        final int most; // the most keys a row sees

        /**
         * @param slots the group's cache slots in key order (null: slots 0..keys-1)
         * @param mask  [rows, keys], 0 or -inf
         */
        Visible(float[] mask, int rows, int[] slots, int kvDim) {
            this.rows = rows;
            this.keys = mask.length / rows;
            this.width = (keys + KvCache.TILE - 1) / KvCache.TILE * KvCache.TILE;
            this.slots = slots;
            this.bias = new float[rows * width];
            this.seen = new int[rows][];
            this.at = new int[rows][];
            int most = 0;
            int[] row = new int[keys];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(mask, r * keys, bias, r * width, keys);
                java.util.Arrays.fill(bias, r * width + keys, (r + 1) * width, Float.NEGATIVE_INFINITY);
                int count = 0;
                for (int j = 0; j < keys; j++) {
                    if (mask[r * keys + j] != Float.NEGATIVE_INFINITY) {
                        row[count++] = j;
                    }
                }
                seen[r] = java.util.Arrays.copyOf(row, count);
                at[r] = new int[count];
                for (int t = 0; t < count; t++) {
                    at[r][t] = (slots == null ? seen[r][t] : slots[seen[r][t]]) * kvDim;
                }
                most = Math.max(most, count);
            }
            this.most = most;
        }

        /** Floats of the scores {@link #attend} keeps for one KV head of this group. */
        int scoresLength(ModelConfig c) {
            return (rows * c.groupSize() + 3) / 4 * 4 * width;
        }
    }

    /**
     * Grouped-query attention of rows [row0, row0 + keysSeen.rows) of q [T, H, hd] over one
     * group's keys, for the query heads that read KV head {@code kvHead}, into out [T, H, hd]:
     * softmax(q k / sqrt(hd) + mask) v. Keys come in tiles of {@link KvCache#TILE} slots
     * (dimension-major within a tile), so one tile's scores are FMAs of a broadcast query element,
     * each lane summing its key's products in dimension order: no horizontal sum per key (a
     * 16-lane sum is a chain of 15 dependent adds, which made attention a fifth of a 4-thinker
     * step), and the same sums whether the JIT has compiled the loop or not. Keys the mask hides
     * get no weight; their values are not read.
     *
     * @param s scratch of at least {@link Visible#scoresLength} floats, the caller's own: kept
     *          from step to step, as a fresh array each layer and head was most of what a
     *          4-thinker step allocated, each new line a miss to memory
     */
    static void attend(ModelConfig c, float[] q, float[] out, int row0, Visible keysSeen, float[] s, KvCache cache,
            int layer, int kvHead) {
        int hd = c.headDim();
        int heads = c.numHeads();
        int group = c.groupSize();
        int tile = KvCache.TILE;
        int width = keysSeen.width;
        int n = keysSeen.keys;
        int tiles = width / tile;
        float[] values = cache.valueArray(layer);
        float[] keys = cache.keyTiles(layer);
        int first = cache.key(0, kvHead, 0);
        int stride = cache.key(tile, kvHead, 0) - first; // from one tile of this head to the next
        if (keysSeen.slots != null) { // other sessions' slots lie between this group's: gather its keys
            keys = cache.keyTiles(layer, keysSeen.slots, kvHead);
            first = 0;
            stride = hd * tile;
        }
        // the group's queries of this KV head, in (row, head) order, padded with copies of the last
        // to whole quads (their scores are computed and ignored)
        int rows = keysSeen.rows;
        int queries = rows * group;
        int[] qo = new int[(queries + 3) / 4 * 4];
        for (int r = 0, k = 0; r < rows; r++) {
            for (int g = 0; g < group; g++) {
                qo[k++] = ((row0 + r) * heads + kvHead * group + g) * hd;
            }
        }
        java.util.Arrays.fill(qo, queries, qo.length, qo[queries - 1]);
        scores(q, qo, keys, first, stride, tiles, hd, s, width);
        float scale = (float) (1 / Math.sqrt(hd));
        int kvo = kvHead * hd;
        float[] inv = new float[queries];
        for (int r = 0; r < rows; r++) {
            int[] seen = keysSeen.seen[r];
            for (int g = 0; g < group; g++) {
                int so = (r * group + g) * width;
                inv[r * group + g] = 1f / softmaxWeights(s, so, keysSeen.bias, r * width, width, scale);
                if (seen.length < n) {
                    for (int t = 0; t < seen.length; t++) {
                        s[so + t] = s[so + seen[t]]; // t <= seen[t]: the seen keys' weights move to the front, in order
                    }
                }
                java.util.Arrays.fill(out, qo[r * group + g], qo[r * group + g] + hd, 0f); // the sums start at 0
            }
        }
        // The weighted sums, BLOCK keys at a time for every row: each row's heads read the block's
        // values while they are in L1. Row by row over all keys, the values came from L3 once for
        // each row and head kernel (twelve passes at 4 thinkers), which made attention at 1,024
        // keys bound by L3 bandwidth. The sums run on in out, in the same order, across blocks.
        for (int t0 = 0; t0 < keysSeen.most; t0 += BLOCK) {
            for (int r = 0; r < rows; r++) {
                int[] at = keysSeen.at[r];
                int t1 = Math.min(at.length, t0 + BLOCK);
                if (t0 >= t1) {
                    continue;
                }
                // the row's heads four, then two at a time: they weigh the same values
                int g = 0;
                for (; g + 4 <= group; g += 4) {
                    int k = r * group + g;
                    weighted4(s, k, width, inv, t0, t1, at, kvo, values, out, qo, hd);
                }
                for (; g + 2 <= group; g += 2) {
                    int k = r * group + g;
                    weighted2(s, k * width, inv[k], (k + 1) * width, inv[k + 1], t0, t1, at, kvo, values, out, qo[k],
                            qo[k + 1], hd);
                }
                if (g < group) {
                    int k = r * group + g;
                    weightedOne(s, k * width, inv[k], t0, t1, at, kvo, values, out, qo[k], 0, hd);
                }
            }
        }
    }

    /** Keys a block of the weighted sums covers: 64 keys' values of one head are 16 KB. */
    static final int BLOCK = 64;

    /**
     * Scores of every query against every key of the group, into s[query][key]: the keys come a
     * vector at a time from their tiles (vector v of the group is tile v / (TILE / L), lanes from
     * (v % (TILE / L)) L), two vectors and four queries at a time, so eight FMA chains share two
     * loads and four broadcasts per dimension (with one vector and four queries, each FMA waited
     * on the one before in its chain).
     */
    private static void scores(float[] q, int[] qo, float[] keys, int first, int stride, int tiles, int hd, float[] s,
            int width) {
        int tile = KvCache.TILE;
        int perTile = tile / S.length();
        int vectors = tiles * perTile;
        int v = 0;
        for (; v + 2 <= vectors; v += 2) {
            // every query against these two vectors of keys while they are in L1 (query quads over all
            // keys read the keys from L3 once a quad: seven times a layer at 4 thinkers)
            int a = first + v / perTile * stride + v % perTile * S.length();
            int b = first + (v + 1) / perTile * stride + (v + 1) % perTile * S.length();
            for (int k = 0; k < qo.length; k += 4) {
                int q0 = qo[k];
                int q1 = qo[k + 1];
                int q2 = qo[k + 2];
                int q3 = qo[k + 3];
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector b0 = a0;
                FloatVector b1 = a0;
                FloatVector b2 = a0;
                FloatVector b3 = a0;
                for (int i = 0; i < hd; i++) {
                    FloatVector ka = FloatVector.fromArray(S, keys, a + i * tile);
                    FloatVector kb = FloatVector.fromArray(S, keys, b + i * tile);
                    FloatVector x0 = FloatVector.broadcast(S, q[q0 + i]);
                    FloatVector x1 = FloatVector.broadcast(S, q[q1 + i]);
                    FloatVector x2 = FloatVector.broadcast(S, q[q2 + i]);
                    FloatVector x3 = FloatVector.broadcast(S, q[q3 + i]);
                    a0 = ka.fma(x0, a0);
                    a1 = ka.fma(x1, a1);
                    a2 = ka.fma(x2, a2);
                    a3 = ka.fma(x3, a3);
                    b0 = kb.fma(x0, b0);
                    b1 = kb.fma(x1, b1);
                    b2 = kb.fma(x2, b2);
                    b3 = kb.fma(x3, b3);
                }
                int col = v * S.length();
                a0.intoArray(s, k * width + col);
                a1.intoArray(s, (k + 1) * width + col);
                a2.intoArray(s, (k + 2) * width + col);
                a3.intoArray(s, (k + 3) * width + col);
                b0.intoArray(s, k * width + col + S.length());
                b1.intoArray(s, (k + 1) * width + col + S.length());
                b2.intoArray(s, (k + 2) * width + col + S.length());
                b3.intoArray(s, (k + 3) * width + col + S.length());
            }
        }
        if (v < vectors) { // an odd last vector
            int a = first + v / perTile * stride + v % perTile * S.length();
            for (int k = 0; k < qo.length; k += 4) {
                int q0 = qo[k];
                int q1 = qo[k + 1];
                int q2 = qo[k + 2];
                int q3 = qo[k + 3];
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int i = 0; i < hd; i++) {
                    FloatVector ka = FloatVector.fromArray(S, keys, a + i * tile);
                    a0 = ka.fma(FloatVector.broadcast(S, q[q0 + i]), a0);
                    a1 = ka.fma(FloatVector.broadcast(S, q[q1 + i]), a1);
                    a2 = ka.fma(FloatVector.broadcast(S, q[q2 + i]), a2);
                    a3 = ka.fma(FloatVector.broadcast(S, q[q3 + i]), a3);
                }
                int col = v * S.length();
                a0.intoArray(s, k * width + col);
                a1.intoArray(s, (k + 1) * width + col);
                a2.intoArray(s, (k + 2) * width + col);
                a3.intoArray(s, (k + 3) * width + col);
            }
        }
    }

    /**
     * w[j] = e^((w[j] - max) scale) for the keys of a row its mask (bias[bo..bo + width): 0 or
     * -inf, width a whole number of tiles) lets through, 0 for the others, max being the largest
     * score let through; returns their sum. Whole vectors of keys, with the vectorised exponential
     * (Math.exp a key at a time was most of a 4-thinker step's attention) and a vector of partial
     * maxima and sums (one running maximum or sum, a key at a time, waited on itself: a fifth of
     * attention at 1,024 keys).
     */
    private static float softmaxWeights(float[] w, int wo, float[] bias, int bo, int width, float scale) {
        if (S != FloatVector.SPECIES_PREFERRED) { // vectors wider than a key tile: VectorMath works in those
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                max = Math.max(max, w[wo + j] + bias[bo + j]);
            }
            float sum = 0;
            for (int j = 0; j < width; j++) {
                w[wo + j] = bias[bo + j] < 0 ? 0f : (float) Math.exp((w[wo + j] - max) * scale);
                sum += w[wo + j];
            }
            return sum;
        }
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < width; j += S.length()) {
            m0 = m0.max(FloatVector.fromArray(S, w, wo + j).add(FloatVector.fromArray(S, bias, bo + j)));
        }
        float max = m0.reduceLanes(VectorOperators.MAX);
        FloatVector s0 = FloatVector.zero(S);
        for (int j = 0; j < width; j += S.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, w, wo + j).sub(max).mul(scale))
                    .blend(0f, FloatVector.fromArray(S, bias, bo + j).lt(0f));
            e.intoArray(w, wo + j);
            s0 = s0.add(e);
        }
        return s0.reduceLanes(VectorOperators.ADD);
    }

    /**
     * out[o..o + hd) += sum_t w[t] inv v_t over keys [t0, t1) of those a row sees (their values at
     * {@code at} plus the KV head's {@code kvo}), for two heads of the row, four vectors of
     * dimensions at a time, so eight FMA chains share each value load (two vectors of one head
     * made each FMA wait on the one before).
     * The chains start from out, not from a zero chosen on the first block: no branch that merges
     * vectors, as C2 (JDK 17) left a vector accumulator merged across one to the library's Java
     * fallback.
     */
    private static void weighted2(float[] w, int w0, float inv0, int w1, float inv1, int t0, int t1, int[] at,
            int kvo, float[] values, float[] out, int o0, int o1, int hd) {
        int l = S.length();
        int d = 0;
        for (; d + 4 * l <= hd; d += 4 * l) {
            FloatVector a0 = FloatVector.fromArray(S, out, o0 + d);
            FloatVector a1 = FloatVector.fromArray(S, out, o0 + d + l);
            FloatVector a2 = FloatVector.fromArray(S, out, o0 + d + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, out, o0 + d + 3 * l);
            FloatVector b0 = FloatVector.fromArray(S, out, o1 + d);
            FloatVector b1 = FloatVector.fromArray(S, out, o1 + d + l);
            FloatVector b2 = FloatVector.fromArray(S, out, o1 + d + 2 * l);
            FloatVector b3 = FloatVector.fromArray(S, out, o1 + d + 3 * l);
            for (int t = t0; t < t1; t++) {
                int v = at[t] + kvo + d;
                FloatVector x = FloatVector.broadcast(S, w[w0 + t] * inv0);
                FloatVector y = FloatVector.broadcast(S, w[w1 + t] * inv1);
                FloatVector v0 = FloatVector.fromArray(S, values, v);
                FloatVector v1 = FloatVector.fromArray(S, values, v + l);
                FloatVector v2 = FloatVector.fromArray(S, values, v + 2 * l);
                FloatVector v3 = FloatVector.fromArray(S, values, v + 3 * l);
                a0 = v0.fma(x, a0);
                a1 = v1.fma(x, a1);
                a2 = v2.fma(x, a2);
                a3 = v3.fma(x, a3);
                b0 = v0.fma(y, b0);
                b1 = v1.fma(y, b1);
                b2 = v2.fma(y, b2);
                b3 = v3.fma(y, b3);
            }
            store4(a0, a1, a2, a3, out, o0 + d);
            store4(b0, b1, b2, b3, out, o1 + d);
        }
        weightedOne(w, w0, inv0, t0, t1, at, kvo, values, out, o0, d, hd);
        weightedOne(w, w1, inv1, t0, t1, at, kvo, values, out, o1, d, hd);
    }

    /**
     * The weighted sums of four heads of a row (queries k..k+3, their weights {@code width} apart
     * in w from row k), four vectors of dimensions at a time: sixteen FMA chains share each key's
     * four value loads. The dimensions left, a head at a time.
     */
    private static void weighted4(float[] w, int k, int width, float[] inv, int t0, int t1, int[] at, int kvo,
            float[] values, float[] out, int[] qo, int hd) {
        int l = S.length();
        int w0 = k * width;
        int w1 = w0 + width;
        int w2 = w1 + width;
        int w3 = w2 + width;
        float i0 = inv[k];
        float i1 = inv[k + 1];
        float i2 = inv[k + 2];
        float i3 = inv[k + 3];
        int d = 0;
        for (; d + 4 * l <= hd; d += 4 * l) {
            int oa = qo[k] + d;
            int ob = qo[k + 1] + d;
            int oc = qo[k + 2] + d;
            int oe = qo[k + 3] + d;
            FloatVector a0 = FloatVector.fromArray(S, out, oa);
            FloatVector a1 = FloatVector.fromArray(S, out, oa + l);
            FloatVector a2 = FloatVector.fromArray(S, out, oa + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, out, oa + 3 * l);
            FloatVector b0 = FloatVector.fromArray(S, out, ob);
            FloatVector b1 = FloatVector.fromArray(S, out, ob + l);
            FloatVector b2 = FloatVector.fromArray(S, out, ob + 2 * l);
            FloatVector b3 = FloatVector.fromArray(S, out, ob + 3 * l);
            FloatVector c0 = FloatVector.fromArray(S, out, oc);
            FloatVector c1 = FloatVector.fromArray(S, out, oc + l);
            FloatVector c2 = FloatVector.fromArray(S, out, oc + 2 * l);
            FloatVector c3 = FloatVector.fromArray(S, out, oc + 3 * l);
            FloatVector e0 = FloatVector.fromArray(S, out, oe);
            FloatVector e1 = FloatVector.fromArray(S, out, oe + l);
            FloatVector e2 = FloatVector.fromArray(S, out, oe + 2 * l);
            FloatVector e3 = FloatVector.fromArray(S, out, oe + 3 * l);
            for (int t = t0; t < t1; t++) {
                int v = at[t] + kvo + d;
                FloatVector v0 = FloatVector.fromArray(S, values, v);
                FloatVector v1 = FloatVector.fromArray(S, values, v + l);
                FloatVector v2 = FloatVector.fromArray(S, values, v + 2 * l);
                FloatVector v3 = FloatVector.fromArray(S, values, v + 3 * l);
                FloatVector x = FloatVector.broadcast(S, w[w0 + t] * i0);
                a0 = v0.fma(x, a0);
                a1 = v1.fma(x, a1);
                a2 = v2.fma(x, a2);
                a3 = v3.fma(x, a3);
                x = FloatVector.broadcast(S, w[w1 + t] * i1);
                b0 = v0.fma(x, b0);
                b1 = v1.fma(x, b1);
                b2 = v2.fma(x, b2);
                b3 = v3.fma(x, b3);
                x = FloatVector.broadcast(S, w[w2 + t] * i2);
                c0 = v0.fma(x, c0);
                c1 = v1.fma(x, c1);
                c2 = v2.fma(x, c2);
                c3 = v3.fma(x, c3);
                x = FloatVector.broadcast(S, w[w3 + t] * i3);
                e0 = v0.fma(x, e0);
                e1 = v1.fma(x, e1);
                e2 = v2.fma(x, e2);
                e3 = v3.fma(x, e3);
            }
            store4(a0, a1, a2, a3, out, oa);
            store4(b0, b1, b2, b3, out, ob);
            store4(c0, c1, c2, c3, out, oc);
            store4(e0, e1, e2, e3, out, oe);
        }
        for (int h = 0; h < 4; h++) {
            weightedOne(w, w0 + h * width, inv[k + h], t0, t1, at, kvo, values, out, qo[k + h], d, hd);
        }
    }

    private static void store4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] out, int o) {
        int l = S.length();
        a0.intoArray(out, o);
        a1.intoArray(out, o + l);
        a2.intoArray(out, o + 2 * l);
        a3.intoArray(out, o + 3 * l);
    }

    /** One head's weighted sum over dimensions [from, hd): four vectors at a time, then two, then one dimension. */
    private static void weightedOne(float[] w, int wo, float inv, int t0, int t1, int[] at, int kvo, float[] values,
            float[] out, int o, int from, int hd) {
        int l = S.length();
        int e = from;
        for (; e + 4 * l <= hd; e += 4 * l) { // a head alone: four chains, not two
            FloatVector a0 = FloatVector.fromArray(S, out, o + e);
            FloatVector a1 = FloatVector.fromArray(S, out, o + e + l);
            FloatVector a2 = FloatVector.fromArray(S, out, o + e + 2 * l);
            FloatVector a3 = FloatVector.fromArray(S, out, o + e + 3 * l);
            for (int t = t0; t < t1; t++) {
                int v = at[t] + kvo + e;
                FloatVector x = FloatVector.broadcast(S, w[wo + t] * inv);
                a0 = FloatVector.fromArray(S, values, v).fma(x, a0);
                a1 = FloatVector.fromArray(S, values, v + l).fma(x, a1);
                a2 = FloatVector.fromArray(S, values, v + 2 * l).fma(x, a2);
                a3 = FloatVector.fromArray(S, values, v + 3 * l).fma(x, a3);
            }
            store4(a0, a1, a2, a3, out, o + e);
        }
        for (; e + 2 * l <= hd; e += 2 * l) {
            FloatVector a0 = FloatVector.fromArray(S, out, o + e);
            FloatVector a1 = FloatVector.fromArray(S, out, o + e + l);
            for (int t = t0; t < t1; t++) {
                FloatVector x = FloatVector.broadcast(S, w[wo + t] * inv);
                a0 = FloatVector.fromArray(S, values, at[t] + kvo + e).fma(x, a0);
                a1 = FloatVector.fromArray(S, values, at[t] + kvo + e + l).fma(x, a1);
            }
            a0.intoArray(out, o + e);
            a1.intoArray(out, o + e + l);
        }
        for (; e < hd; e++) { // what is left of a head narrower than two vectors
            float a = out[o + e];
            for (int t = t0; t < t1; t++) {
                a += w[wo + t] * inv * values[at[t] + kvo + e];
            }
            out[o + e] = a;
        }
    }

    /** The residual: x += y over x's length. */
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
