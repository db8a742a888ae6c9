package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.sampling.Sampler;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The head product's argmax, found chunk by chunk as the columns are written, is the index
 * {@link Sampler#argmax} finds over the whole output row: the first of equal maxima, wherever the
 * chunks split them, and -1 (the caller reads the logits itself) where a row holds a NaN, even one
 * chunk's.
 */
class ProductArgmaxTest {

    @Test
    void eachRowsArgmaxIsTheFirstLargestOfItsOutputs() {
        SplittableRandom r = new SplittableRandom(11);
        try (SpinPool pool = new SpinPool(2)) {
            for (int trial = 0; trial < 60; trial++) {
                int in = 32 * (1 + r.nextInt(4));
                int out = trial < 3 ? new int[] {1, 16, 1000}[trial] : 1 + r.nextInt(1200); // one to dozens of column blocks
                int rows = 1 + r.nextInt(9); // one row, the 4- and 8-row tiles, and tiles padded
                int parts = 1 + r.nextInt(3);
                // a few distinct weight rows, repeated: equal outputs in different chunks, where "first" decides
                float[] w = new float[out * in];
                float[][] distinct = new float[1 + r.nextInt(4)][in];
                for (float[] d : distinct) {
                    for (int i = 0; i < in; i++) {
                        d[i] = r.nextInt(5) - 2; // exact in every format: equal rows give equal sums
                    }
                }
                for (int o = 0; o < out; o++) {
                    System.arraycopy(distinct[r.nextInt(distinct.length)], 0, w, o * in, in);
                }
                float[] bias = null; // a bias: the argmax comes after it
                if (trial % 5 == 4) {
                    bias = new float[out];
                    for (int o = 0; o < out; o++) {
                        bias[o] = r.nextInt(3) - 1; // whole numbers: sums stay exact, ties stay ties
                    }
                }
                HeapLinear kernel = switch (trial % 3) {
                    case 0 -> Q8_0Linear.quantized(w, out, in, bias, pool, parts);
                    case 1 -> Q4_0Linear.quantized(w, out, in, bias, pool, parts);
                    default -> new VectorLinear(w, out, in, bias, pool, parts, WeightStorage.FP32);
                };
                float[] x = new float[rows * in];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.nextInt(3) - 1;
                }
                if (trial % 4 == 3) {
                    // an infinite input: that row's outputs are +-inf where the weight is not 0, and NaN where it is
                    x[r.nextInt(x.length)] = Float.POSITIVE_INFINITY;
                }
                float[] y = new float[rows * out];
                int[] best = new int[rows];
                kernel.multiply(x, rows, y, best);
                assertThat(y).as("trial %d: the product itself", trial).containsExactly(kernel.multiply(x, rows));
                for (int row = 0; row < rows; row++) {
                    float[] outputs = Arrays.copyOfRange(y, row * out, (row + 1) * out);
                    int expected = hasNaN(outputs) ? -1 : Sampler.argmax(outputs);
                    assertThat(best[row]).as("trial %d (%d x %d, %d rows, %d parts), row %d", trial, out, in, rows, parts,
                            row).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aNaNInOneChunkLeavesTheChoiceToTheCaller() {
        int in = 32;
        int out = 1000;
        float[] w = new float[out * in];
        java.util.Arrays.fill(w, 1f);
        w[0] = 0f; // output 0 meets the infinite input with a zero weight: NaN, in the first chunk only
        float[] x = new float[in];
        x[0] = Float.POSITIVE_INFINITY;
        try (SpinPool pool = new SpinPool(2)) {
            HeapLinear kernel = Q8_0Linear.quantized(w, out, in, null, pool, 2);
            float[] y = new float[out];
            int[] best = {7};
            kernel.multiply(x, 1, y, best);
            assertThat(y[0]).isNaN();
            assertThat(y[out - 1]).isInfinite();
            assertThat(best[0]).as("the other chunks' +inf must not win over a NaN the sampler handles").isEqualTo(-1);
        }
    }

    private static boolean hasNaN(float[] v) {
        for (float f : v) {
            if (Float.isNaN(f)) {
                return true;
            }
        }
        return false;
    }
}
