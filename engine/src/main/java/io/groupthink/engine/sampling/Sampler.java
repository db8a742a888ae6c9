package io.groupthink.engine.sampling;

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

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * @param previous the context the repetition penalty applies to (prompt and generated ids); as
     *                 in Hugging Face's RepetitionPenaltyLogitsProcessor, each distinct id is
     *                 penalised once however often it occurs
     */
    public int sample(float[] logits, Collection<Integer> previous) {
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
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        final float[] lf = l;
        Arrays.sort(order, (a, b) -> Float.compare(lf[b], lf[a]));
        int keep = options.topK() > 0 ? Math.min(options.topK(), l.length) : l.length;
        double max = l[order[0]];
        double[] probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp((l[order[i]] - max) / options.temperature());
            sum += probs[i];
        }
        // nucleus: the smallest prefix whose mass reaches top_p
        double cumulative = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += probs[i] / sum;
            if (cumulative >= options.topP()) {
                cut = i + 1;
                break;
            }
        }
        double mass = 0;
        for (int i = 0; i < cut; i++) {
            mass += probs[i];
        }
        double r = random.nextDouble() * mass;
        for (int i = 0; i < cut; i++) {
            r -= probs[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[cut - 1];
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
