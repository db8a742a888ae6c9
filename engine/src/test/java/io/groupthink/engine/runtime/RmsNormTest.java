package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The heap path's rms_norm in vectors against x / sqrt(mean(x^2) + eps) * weight in double
 * precision: widths that are whole groups of four vectors, single vectors and a scalar tail.
 */
class RmsNormTest {

    @ParameterizedTest(name = "width {0}")
    @ValueSource(ints = {896, 64, 8, 37, 100, 1, 4864})
    void equalsTheDoublePrecisionNorm(int width) {
        SplittableRandom r = new SplittableRandom(width);
        float[] weight = new float[width];
        for (int i = 0; i < width; i++) {
            weight[i] = (float) (1 + 0.5 * r.nextGaussian());
        }
        int rows = 3;
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + i / width * 40)); // rows of different scales
        }
        float[] want = reference(x, rows, weight, 1e-5);
        new RmsNorm(null, weight, 1e-5).applyInPlace(x, rows);
        for (int i = 0; i < x.length; i++) {
            assertThat((double) x[i]).as("row %d, value %d", i / width, i % width)
                    .isCloseTo(want[i], within(1e-6 * Math.max(1, Math.abs(want[i]))));
        }
    }

    private static float[] reference(float[] x, int rows, float[] weight, double eps) {
        int d = weight.length;
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int i = 0; i < d; i++) {
                squares += (double) x[r * d + i] * x[r * d + i];
            }
            double inv = 1 / Math.sqrt(squares / d + eps);
            for (int i = 0; i < d; i++) {
                y[r * d + i] = (float) (x[r * d + i] * inv * weight[i]);
            }
        }
        return y;
    }
}
