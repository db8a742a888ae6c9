package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.model.ModelConfig;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decode path's attention over key tiles against softmax(q k / sqrt(hd) + mask) v computed
 * in double precision straight from the keys as written: grouped-query heads, hidden keys, key
 * counts that leave the last tile partial, heads narrower than a vector, and a group whose slots
 * lie between other sessions' (the gathered path).
 */
class HeapAttentionTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(14, 2, 64, 1, 37, false), // Qwen2.5-0.5B's heads, one thinker
                Arguments.of(14, 2, 64, 4, 116, false), // four thinkers
                Arguments.of(8, 8, 8, 3, 5, false), // stories260K-like: hd 8, fewer keys than a tile
                Arguments.of(4, 1, 48, 5, 70, true), // hd not a multiple of two vectors; gathered slots
                Arguments.of(6, 3, 128, 2, 33, true),
                // several blocks of the weighted sums, rows seeing different numbers of keys
                Arguments.of(14, 2, 64, 4, 300, false),
                Arguments.of(4, 1, 48, 5, 230, true));
    }

    @ParameterizedTest(name = "heads {0}/{1}, hd {2}, rows {3}, keys {4}, gathered {5}")
    @MethodSource("shapes")
    void equalsTheDenseReference(int heads, int kvHeads, int hd, int rows, int keys, boolean gathered) {
        ModelConfig c = new ModelConfig("llama", heads * hd, 4 * heads * hd, 1, heads, kvHeads, hd, 32, 4096, 1e-5,
                10000, null, false, false, false, 1, List.of(2));
        Random random = new Random(heads * 31L + keys);
        int kvDim = kvHeads * hd;
        // a gathered group's keys sit at every other slot; the slots between belong to someone else
        int stored = gathered ? 2 * keys + 1 : keys;
        int[] slots = null;
        if (gathered) {
            slots = new int[keys];
            for (int j = 0; j < keys; j++) {
                slots[j] = 2 * j + 1;
            }
        }
        KvCache cache = new KvCache(c, null, stored + 3);
        float[] k = gaussian(random, stored * kvDim);
        float[] v = gaussian(random, stored * kvDim);
        cache.putKeys(0, 0, k, stored);
        System.arraycopy(v, 0, cache.valueArray(0), 0, v.length);
        float[] q = gaussian(random, rows * heads * hd);
        float[] mask = new float[rows * keys];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % keys == 0 || random.nextInt(4) > 0 ? 0f : Float.NEGATIVE_INFINITY; // key 0 always seen
        }

        float[] out = new float[q.length];
        java.util.Arrays.fill(out, Float.NaN); // what a caller's array held before: none of it may count
        HeapAttention.Visible seen = new HeapAttention.Visible(mask, rows, slots, kvDim);
        float[] scores = new float[seen.scoresLength(c) + 37]; // a pass's scratch, longer than this step needs
        java.util.Arrays.fill(scores, Float.NaN); // and holding an earlier step's scores: none of it may count
        for (int h = 0; h < kvHeads; h++) {
            HeapAttention.attend(c, q, out, 0, seen, scores, cache, 0, h);
        }

        double[] expected = reference(c, q, rows, slots, mask, k, v);
        for (int i = 0; i < out.length; i++) {
            assertThat((double) out[i]).as("element %d", i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(expected[i]))));
        }
    }

    private static double[] reference(ModelConfig c, float[] q, int rows, int[] slots, float[] mask, float[] k,
            float[] v) {
        int hd = c.headDim();
        int heads = c.numHeads();
        int kvDim = c.kvDim();
        int n = mask.length / rows;
        double[] out = new double[q.length];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int kvo = h / c.groupSize() * hd;
                double[] w = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    int slot = slots == null ? j : slots[j];
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += (double) q[(r * heads + h) * hd + i] * k[slot * kvDim + kvo + i];
                    }
                    w[j] = dot / Math.sqrt(hd) + mask[r * n + j];
                    max = Math.max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int j = 0; j < n; j++) {
                    int slot = slots == null ? j : slots[j];
                    for (int i = 0; i < hd; i++) {
                        out[(r * heads + h) * hd + i] += w[j] / sum * v[slot * kvDim + kvo + i];
                    }
                }
            }
        }
        return out;
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /**
     * RoPE in vectors against the rotate-half formula a pair at a time, bit for bit (the same two
     * products and one sum per value): heads whose half is whole vectors, a vector and a tail, or
     * narrower than a vector.
     */
    @ParameterizedTest(name = "hd {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {64, 128, 48, 8, 2})
    void ropeRotatesEachPairAsTheFormulaDoes(int hd) {
        Random random = new Random(hd);
        int t = 3;
        int heads = 5;
        int positions = 40;
        float[] cos = gaussian(random, positions * hd);
        float[] sin = gaussian(random, positions * hd);
        long[] at = {0, 17, 39};
        float[] x = gaussian(random, t * heads * hd);
        float[] want = x.clone();
        int half = hd / 2;
        for (int r = 0; r < t; r++) {
            int p = (int) at[r] * hd;
            for (int h = 0; h < heads; h++) {
                int o = (r * heads + h) * hd;
                for (int i = 0; i < half; i++) {
                    want[o + i] = x[o + i] * cos[p + i] - x[o + i + half] * sin[p + i];
                    want[o + i + half] = x[o + i + half] * cos[p + i + half] + x[o + i] * sin[p + i + half];
                }
            }
        }
        HeapAttention.rope(x, t, heads, hd, at, cos, sin);
        assertThat(x).containsExactly(want);
    }
}
