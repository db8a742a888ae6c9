package io.groupthink.engine.runtime;

import io.groupthink.engine.model.ModelConfig;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Micro-benchmark of the decode step's attention over the cache ({@link HeapAttention}) at
 * Qwen2.5-0.5B's heads (14 query heads, 2 KV heads, head size 64): one layer's attention for T
 * rows (thinkers) over L keys, both KV heads on one thread, best of several rounds, in µs a layer
 * and G multiply-adds per second. Attention grows with the keys while the products do not: at 4
 * thinkers and 1,024 keys it is a sixth of a Q8_0 step.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:$(cat /tmp/engine.cp) \
 *      io.groupthink.engine.runtime.AttentionBenchmark [ROWSxKEYS ...]
 * </pre>
 */
public final class AttentionBenchmark {

    private AttentionBenchmark() {}

    public static void main(String[] args) {
        List<String> shapes = args.length > 0 ? List.of(args) : List.of("1x40", "1x1024", "4x1024", "8x2048");
        int heads = 14;
        int kvHeads = 2;
        int hd = 64;
        for (String shape : shapes) {
            int rows = Integer.parseInt(shape.substring(0, shape.indexOf('x')));
            int keys = Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
            ModelConfig c = new ModelConfig("qwen2", heads * hd, 4864, 1, heads, kvHeads, hd, 151936, keys + 16, 1e-6,
                    1e6, null, false, false, false, 1, List.of(2));
            Random random = new Random(keys * 31L + rows);
            KvCache cache = new KvCache(c, null, keys);
            float[] k = gaussian(random, keys * c.kvDim());
            cache.putKeys(0, 0, k, keys);
            System.arraycopy(gaussian(random, keys * c.kvDim()), 0, cache.valueArray(0), 0, keys * c.kvDim());
            float[] q = gaussian(random, rows * heads * hd);
            float[] mask = new float[rows * keys]; // every row sees every key, as Group Think's thinkers nearly do
            float[] out = new float[q.length];
            // as a decode pass: the keys each row sees found once, the scores' scratch kept
            HeapAttention.Visible seen = new HeapAttention.Visible(mask, rows, null, c.kvDim());
            float[] scores = new float[seen.scoresLength(c)];
            int reps = Math.max(20, 4_000_000 / (rows * keys));
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 8; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    for (int h = 0; h < kvHeads; h++) {
                        HeapAttention.attend(c, q, out, 0, seen, scores, cache, 0, h);
                    }
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / reps);
            }
            double macs = 2.0 * rows * heads * keys * hd; // q k and p v
            System.out.printf(Locale.ROOT, "%d rows x %d keys: %.1f us a layer, %.1f G multiply-adds/s%n", rows, keys,
                    best, macs / best / 1e3);
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
