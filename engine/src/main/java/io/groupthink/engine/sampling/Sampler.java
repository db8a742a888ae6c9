package io.groupthink.engine.sampling;

import io.groupthink.engine.runtime.KernelSelector;
import io.groupthink.engine.runtime.ScalarMath;
import io.groupthink.engine.runtime.VectorMath;
import java.util.Arrays;
import java.util.Collection;
import java.util.SplittableRandom;

/** Picks a token from logits: repetition penalty, temperature, top-k, top-p, then a seeded draw. */
public final class Sampler {

    private final SamplingOptions options;
    private final SplittableRandom random;

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    /**
     * The Vector API is an incubator module, present only under {@code --add-modules
     * jdk.incubator.vector}; without it the sampler does the same arithmetic in scalar code (and the
     * model runs on LibTorch), instead of failing every session on its first token.
     */
    private static final boolean VECTOR = KernelSelector.vectorModulePresent();

    /** The first index of the largest logit (0 for an empty array). */
    public static int argmax(float[] logits) {
        return VECTOR ? VectorMath.argmax(logits) : ScalarMath.argmax(logits);
    }

    /** dst[i] = e^((src[i] - shift) * scale); returns their sum. */
    static double exp(float[] src, float shift, float scale, float[] dst) {
        if (VECTOR) {
            return VectorMath.exp(src, shift, scale, dst);
        }
        double sum = 0;
        for (int i = 0; i < src.length; i++) {
            dst[i] = ScalarMath.exp((src[i] - shift) * scale);
            sum += dst[i];
        }
        return sum;
    }

    /**
     * @param previous the context the repetition penalty applies to (prompt and generated ids); as
     *                 in Hugging Face's RepetitionPenaltyLogitsProcessor, each distinct id is
     *                 penalised once however often it occurs
     */
    public int sample(float[] logits, Collection<Integer> previous) {
        return sample(logits, previous, -1);
    }

    /**
     * {@link #sample(float[], Collection)}, given the index of the first largest logit if the caller
     * knows it (else -1): a greedy pick without a repetition penalty is that index, and reads no logits.
     */
    public int sample(float[] logits, Collection<Integer> previous, int argmax) {
        if (argmax >= 0 && options.greedy() && (options.repetitionPenalty() == 1 || previous.isEmpty())) {
            return argmax;
        }
        float[] l = logits;
        if (options.repetitionPenalty() != 1 && !previous.isEmpty()) {
            l = logits.clone();
            float p = (float) options.repetitionPenalty();
            boolean[] done = new boolean[l.length];
            for (int id : previous) {
                if (!done[id]) {
                    done[id] = true;
                    l[id] = l[id] > 0 ? l[id] / p : l[id] * p;
                }
            }
        }
        if (options.greedy()) {
            return argmax(l);
        }
        return draw(l);
    }

    /**
     * Top-k, then top-p, then a draw from what is left, walking the tokens best first. Only the
     * tokens top-k and top-p can reach are sorted: the highest binades of weight that hold k
     * tokens (with top-k) or top_p of the mass (without). Sorting the whole vocabulary, boxed, cost
     * 30 ms a lane a step on a 152K vocabulary.
     */
    private int draw(float[] l) {
        Nucleus nucleus = nucleus(l);
        double r = random.nextDouble() * nucleus.mass();
        for (int i = 0; i < nucleus.ids().length; i++) {
            r -= nucleus.weights()[i];
            if (r <= 0) {
                return nucleus.ids()[i];
            }
        }
        return nucleus.ids()[nucleus.ids().length - 1];
    }

    /** The tokens a draw picks from, best first, with their unnormalised weights. */
    record Nucleus(int[] ids, double[] weights) {
        double mass() {
            double m = 0;
            for (double w : weights) {
                m += w;
            }
            return m;
        }
    }

    /** Top-k, then top-p, over the temperature's weights (see {@link #draw}). */
    Nucleus nucleus(float[] l) {
        int v = l.length;
        float max = l[argmax(l)];
        float[] weight = new float[v]; // e^((l - max) / T), 1 for the best token
        double total = exp(l, max, (float) (1 / options.temperature()), weight);
        int k = options.topK() > 0 ? Math.min(options.topK(), v) : v;
        if (k == v && options.topP() >= 1) { // every token: the order does not change the draw
            int[] ids = new int[v];
            double[] weights = new double[v];
            for (int i = 0; i < v; i++) {
                ids[i] = i;
                weights[i] = weight[i];
            }
            return new Nucleus(ids, weights);
        }
        // weights by binade (their float exponent, 127 for the best token's 1): the highest binades
        // that together hold k tokens, or top_p of the mass, hold every token the draw can reach
        int[] count = new int[256];
        double[] mass = new double[256];
        for (int i = 0; i < v; i++) {
            int e = Float.floatToRawIntBits(weight[i]) >>> 23;
            count[e]++;
            mass[e] += weight[i];
        }
        int low = 0;
        int n = 0;
        double reached = 0;
        for (int e = 255; e >= 0; e--) {
            n += count[e];
            reached += mass[e];
            if (k < v ? n >= k : reached >= options.topP() * total) {
                low = e;
                break;
            }
        }
        float floor = low == 0 ? 0f : Float.intBitsToFloat(low << 23);
        long[] keys = new long[low == 0 ? v : n];
        int j = 0;
        for (int i = 0; i < v; i++) {
            if (weight[i] >= floor) {
                keys[j++] = key(l[i], i);
            }
        }
        Arrays.sort(keys); // best logit first, ties by id
        int keep = Math.min(k, keys.length);
        if (k < v) { // top-k's mass is the whole
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += weight[id(keys[i])];
            }
        }
        // nucleus: the smallest prefix whose mass reaches top_p
        double cumulative = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += weight[id(keys[i])] / total;
            if (cumulative >= options.topP()) {
                cut = i + 1;
                break;
            }
        }
        int[] ids = new int[cut];
        double[] weights = new double[cut];
        for (int i = 0; i < cut; i++) {
            ids[i] = id(keys[i]);
            weights[i] = weight[ids[i]];
        }
        return new Nucleus(ids, weights);
    }

    /** A long that sorts ascending as the logit descending, then the id ascending. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // as ints in the floats' order
        return ((long) ~ordered << 32) | id;
    }

    private static int id(long key) {
        return (int) key;
    }

    /** The k largest logits as [id, logit] pairs, best first. */
    public static float[][] topK(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] ids = new int[n];
        float[][] out = new float[n][];
        boolean[] taken = new boolean[logits.length];
        for (int j = 0; j < n; j++) {
            int best = -1;
            for (int i = 0; i < logits.length; i++) {
                if (!taken[i] && (best < 0 || logits[i] > logits[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            ids[j] = best;
            out[j] = new float[] {best, logits[best]};
        }
        return out;
    }
}
