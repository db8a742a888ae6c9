package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vector exponential against Math.exp, over the range SwiGLU and the sampler use. */
class VectorMathTest {

    @Test
    void expIsMathExpToAFewUlpAndTheSumIsTheirs() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[10_007]; // not a multiple of the vector width: the scalar tail too
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 170 - 90); // a vector of e^88 would overflow its float lane sum
        }
        x[0] = 0f;
        x[1] = -87.3f;
        x[2] = 88.3f;
        x[x.length - 1] = 1f;
        float[] y = new float[x.length];
        double sum = VectorMath.exp(x, 0f, 1f, y);
        double want = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            want += y[i];
            if (x[i] >= -87.3f && x[i] <= 88.3f) { // outside, e^x is clamped to e^-87.3 (a normal float) or e^88.3
                assertThat((double) y[i]).as("e^%s", x[i]).isCloseTo(e, within(4.0 * Math.ulp((float) e)));
            }
        }
        assertThat(y[0]).isEqualTo(1f);
        assertThat(sum).isCloseTo(want, within(1e-7 * want)); // each vector sums in float
    }

    @Test
    void shiftAndScaleAreAppliedBeforeTheExponential() {
        float[] x = {2f, 3f, 5f};
        float[] y = new float[3];
        double sum = VectorMath.exp(x, 5f, 0.5f, y); // e^((x - 5) / 2)
        assertThat(y[2]).isEqualTo(1f);
        assertThat((double) y[0]).isCloseTo(Math.exp(-1.5), within(1e-7));
        assertThat(sum).isCloseTo(1 + Math.exp(-1) + Math.exp(-1.5), within(1e-6));
    }

    @Test
    void argmaxIsTheFirstLargestAsTheScalarLoopFindsIt() {
        SplittableRandom r = new SplittableRandom(9);
        for (int trial = 0; trial < 2000; trial++) {
            int n = trial < 200 ? trial : r.nextInt(1, 160_000);
            float[] x = new float[n];
            int levels = r.nextInt(1, 6); // few distinct values: ties everywhere
            for (int i = 0; i < n; i++) {
                x[i] = trial % 3 == 0 ? (float) r.nextGaussian() * 10 : r.nextInt(levels) - 2.5f;
            }
            if (n > 0 && trial % 7 == 0) {
                x[r.nextInt(n)] = Float.NaN; // the scalar loop's answer then depends on where it sits
            }
            if (n > 0 && trial % 11 == 0) {
                x[r.nextInt(n)] = Float.NEGATIVE_INFINITY;
            }
            assertThat(VectorMath.argmax(x)).as("trial %d, %d values", trial, n).isEqualTo(firstLargest(x));
        }
        assertThat(VectorMath.argmax(new float[] {-0f, 0f})).as("-0 and 0 tie").isZero();
        float[] allLow = new float[37];
        java.util.Arrays.fill(allLow, Float.NEGATIVE_INFINITY);
        assertThat(VectorMath.argmax(allLow)).isZero();
    }

    /** The sampler's former loop: the first strict maximum, comparisons with NaN false. */
    private static int firstLargest(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
