package io.groupthink.engine.train;

import java.util.List;

/**
 * Traces padded to one length. Padding rows see only themselves (so softmax stays finite) and
 * carry no target.
 */
public final class TrainingBatch {

    private final List<Trace> traces;
    private final int length;
    private final int targets;
    private final int normalizer;

    public TrainingBatch(List<Trace> traces) {
        this(traces, traces.stream().mapToInt(Trace::targetCount).sum());
    }

    /**
     * @param normalizer the loss is the sum over target rows divided by this: the target count of
     *                   the whole step when a step is split into several batches
     */
    public TrainingBatch(List<Trace> traces, int normalizer) {
        this.traces = List.copyOf(traces);
        this.length = traces.stream().mapToInt(Trace::length).max().orElseThrow();
        this.targets = traces.stream().mapToInt(Trace::targetCount).sum();
        this.normalizer = normalizer;
    }

    /**
     * Splits a step's traces into {@code parts} batches of similar length (sorted by length), so
     * short sequences are not padded to the longest; losses add up to the step's mean.
     */
    public static List<TrainingBatch> split(List<Trace> traces, int parts) {
        List<Trace> sorted = new java.util.ArrayList<>(traces);
        sorted.sort(java.util.Comparator.comparingInt(Trace::length));
        int total = traces.stream().mapToInt(Trace::targetCount).sum();
        List<TrainingBatch> out = new java.util.ArrayList<>();
        for (int i = 0; i < parts; i++) {
            List<Trace> part = sorted.subList(i * sorted.size() / parts, (i + 1) * sorted.size() / parts);
            if (!part.isEmpty()) {
                out.add(new TrainingBatch(part, total));
            }
        }
        return out;
    }

    public int sequences() {
        return traces.size();
    }

    public int length() {
        return length;
    }

    public int targetCount() {
        return targets;
    }

    /** [B * T] positions, 0 for padding. */
    public int[] positions() {
        int[] out = new int[traces.size() * length];
        for (int b = 0; b < traces.size(); b++) {
            int[] p = traces.get(b).positions();
            System.arraycopy(p, 0, out, b * length, p.length);
        }
        return out;
    }

    /** [B * T, vocab] one-hot token rows; padding rows are zero. */
    public float[] oneHotInputs(int vocab) {
        float[] out = new float[traces.size() * length * vocab];
        for (int b = 0; b < traces.size(); b++) {
            int[] tokens = traces.get(b).tokens();
            for (int i = 0; i < tokens.length; i++) {
                out[(b * length + i) * vocab + tokens[i]] = 1f;
            }
        }
        return out;
    }

    /** [B, T, T] additive mask: 0 where the query row sees the key row, -inf elsewhere. */
    public float[] mask() {
        float[] out = new float[traces.size() * length * length];
        java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
        for (int b = 0; b < traces.size(); b++) {
            Trace tr = traces.get(b);
            int base = b * length * length;
            for (int q = 0; q < length; q++) {
                if (q >= tr.length()) {
                    out[base + q * length + q] = 0f;
                    continue;
                }
                for (int k = 0; k < tr.length(); k++) {
                    if (tr.sees(q, k)) {
                        out[base + q * length + k] = 0f;
                    }
                }
            }
        }
        return out;
    }

    /** [B * T, vocab]: 1 / normalizer at each row's target, so the loss is a mean. */
    public float[] targetWeights(int vocab) {
        float[] out = new float[traces.size() * length * vocab];
        float w = 1f / normalizer;
        for (int b = 0; b < traces.size(); b++) {
            int[] t = traces.get(b).targets();
            for (int i = 0; i < t.length; i++) {
                if (t[i] >= 0) {
                    out[(b * length + i) * vocab + t[i]] = w;
                }
            }
        }
        return out;
    }

    /** The lowest loss any model can reach on this batch (the targets are uniform draws). */
    public double optimalLoss() {
        double sum = 0;
        for (Trace t : traces) {
            sum += t.optimalLoss() * t.targetCount();
        }
        return sum / targets;
    }
}
