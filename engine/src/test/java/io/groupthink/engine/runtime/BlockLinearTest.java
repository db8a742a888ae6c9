package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.groupthink.engine.quant.Q4_0;
import io.groupthink.engine.quant.Q8_0;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The quantized kernels against a slow reference: a double-precision product over the weights as
 * the format's own dequantize (quant.Q8_0 / Q4_0, ggml's layout) gives them. Random shapes include
 * odd sizes, rows whose in is not a multiple of 32 (a zero-padded last block) and 1 to 20 rows.
 */
class BlockLinearTest {

    @Test
    void q8_0ProductEqualsTheProductOverDequantizedWeights() {
        check(true);
    }

    @Test
    void q4_0ProductEqualsTheProductOverDequantizedWeights() {
        check(false);
    }

    private static void check(boolean q8) {
        SplittableRandom r = new SplittableRandom(q8 ? 8 : 4);
        // one row takes column blocks four, then two at a time: {70, 100, 1} has seven (4 + 2 + 1), the last cut
        // short; the last three fuse SwiGLU (halves of whole column blocks) at one row, at a tile padded from 9 rows
        // and, at 16 lanes, with one block a half; four rows take four column blocks a quarter of the range apart,
        // then two at a time: {100, 70, 4} ends in a block cut short, which the four-block tile leaves to the others,
        // and {64, 256, 4} fuses SwiGLU. On one thread (a fourth number: the parts), one chunk: {64, 300, 4} has 19
        // blocks (four quarters of 4, then 2, then the short one) and {64, 251, 4} 16 (three quarters of 5, 1, the
        // short one); at one row, where the four-block tile takes a short block too, {64, 251, 1} has four quarters.
        // On two threads with a bias (a fifth number), {96, 600, 4} and {96, 600, 1} split into parts of several
        // four-block passes and a tail each; at four rows the padded last block ends up alone in a tail, where on one
        // thread a two-block tile takes it, and the bias goes to each pass's own blocks
        int[][] fixed = {{32, 16, 1}, {1, 1, 1}, {33, 17, 3}, {896, 1152, 4}, {172, 64, 16}, {64, 40, 9}, {4864, 24, 2},
            {70, 100, 1}, {896, 1152, 1}, {100, 320, 1}, {64, 256, 9}, {40, 32, 2}, {100, 70, 4}, {64, 256, 4},
            {64, 300, 4, 1}, {64, 251, 4, 1}, {64, 251, 1, 1}, {96, 600, 4, 2, 1}, {96, 600, 1, 2, 1}};
        try (SpinPool pool = new SpinPool(2)) {
            for (int trial = 0; trial < 40; trial++) {
                int in = trial < fixed.length ? fixed[trial][0] : 1 + r.nextInt(700);
                int out = trial < fixed.length ? fixed[trial][1] : 1 + r.nextInt(200);
                int rows = trial < fixed.length ? fixed[trial][2] : 1 + r.nextInt(20);
                float[] w = new float[out * in];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) r.nextGaussian();
                }
                boolean withBias = r.nextBoolean() || trial < fixed.length && fixed[trial].length > 4;
                float[] bias = withBias ? random(r, out) : null;
                float[] x = random(r, rows * in);
                int parts = 1 + r.nextInt(3);
                if (trial < fixed.length && fixed[trial].length > 3) {
                    parts = fixed[trial][3];
                }
                BlockLinear kernel = q8 ? Q8_0Linear.quantized(w, out, in, bias, pool, parts)
                        : Q4_0Linear.quantized(w, out, in, bias, pool, parts);
                float[] dq = dequantized(w, out, in, q8);

                float[] got = kernel.multiply(x, rows);
                assertThat(got).hasSize(rows * out);
                // into a buffer that held something else (the pass reuses its buffers): every value is written
                float[] reused = new float[rows * out];
                java.util.Arrays.fill(reused, Float.NaN);
                kernel.multiply(x, rows, reused);
                assertThat(reused).as("into a used buffer").containsExactly(got);
                // every tile sums a column in one order, so the split into chunks and threads changes no bit
                BlockLinear oneThread = q8 ? Q8_0Linear.quantized(w, out, in, bias, pool, 1)
                        : Q4_0Linear.quantized(w, out, in, bias, pool, 1);
                assertThat(oneThread.multiply(x, rows)).as("%s [%d x %d] x %d rows on one thread against %d parts",
                        q8 ? "Q8_0" : "Q4_0", out, in, rows, parts).containsExactly(got);
                for (int row = 0; row < rows; row++) {
                    for (int o = 0; o < out; o++) {
                        double expected = bias == null ? 0 : bias[o];
                        double magnitude = Math.abs(expected);
                        for (int i = 0; i < in; i++) {
                            expected += (double) dq[o * in + i] * x[row * in + i];
                            magnitude += Math.abs((double) dq[o * in + i] * x[row * in + i]);
                        }
                        // relative to the terms' magnitude: a sum that cancels to near zero has no relative error to speak of
                        assertThat((double) got[row * out + o]).as("%s [%d x %d] x %d rows, y[%d][%d]",
                                q8 ? "Q8_0" : "Q4_0", out, in, rows, row, o)
                                .isCloseTo(expected, offset(1e-4 * Math.max(1e-3, magnitude)));
                    }
                }
                if (out % 2 == 0) {
                    // SwiGLU on the product: fused into it where the halves are whole column blocks and there is
                    // no bias, so a kernel without the bias checks that path too
                    BlockLinear noBias = bias == null ? null : q8 ? Q8_0Linear.quantized(w, out, in, null, pool, parts)
                            : Q4_0Linear.quantized(w, out, in, null, pool, parts);
                    checkSwiGlu(kernel, got, x, rows, q8);
                    if (noBias != null) {
                        checkSwiGlu(noBias, noBias.multiply(x, rows), x, rows, q8);
                    }
                }
                int o = r.nextInt(out);
                float[] row = new float[in];
                kernel.row(o, row, 0);
                assertThat(row).as("row %d as held", o).containsExactly(java.util.Arrays.copyOfRange(dq, o * in, o * in + in));
                int inBlocks = (in + 31) / 32;
                int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
                long columns = (long) Math.ceil(out / (double) lanes) * lanes;
                assertThat(kernel.weightBytes()).isEqualTo(columns * inBlocks * ((q8 ? 32 : 16) + 4));
            }
        }
    }

    /** The kernel's SwiGLU against silu(g) * u in double over its product {@code y} of [gate | up]. */
    private static void checkSwiGlu(BlockLinear kernel, float[] y, float[] x, int rows, boolean q8) {
        assertSwiGlu(String.format("%s [%d x %d] x %d rows", q8 ? "Q8_0" : "Q4_0", kernel.out(), kernel.in(), rows), y,
                rows, kernel.out(), kernel.multiplySwiGlu(x, rows));
    }

    /** h [rows, out / 2] equals silu(g) * u computed in double over the product y [rows, out] of [gate | up]. */
    static void assertSwiGlu(String what, float[] y, int rows, int out, float[] h) {
        int half = out / 2;
        assertThat(h).as(what).hasSize(rows * half);
        for (int i = 0; i < h.length; i++) {
            double g = y[(i / half) * out + i % half];
            double u = y[(i / half) * out + half + i % half];
            double silu = g / (1 + Math.exp(-g)) * u;
            assertThat((double) h[i]).as("%s, swiglu element %d", what, i)
                    .isCloseTo(silu, offset(1e-5 * Math.max(1, Math.abs(silu))));
        }
    }

    /** The reference weights: each row zero padded to whole blocks, quantized and dequantized by the format's own code. */
    private static float[] dequantized(float[] w, int out, int in, boolean q8) {
        int padded = (in + 31) / 32 * 32;
        float[] result = new float[out * in];
        float[] row = new float[padded];
        float[] back = new float[padded];
        for (int o = 0; o < out; o++) {
            System.arraycopy(w, o * in, row, 0, in);
            ByteBuffer blocks = ByteBuffer.allocate(padded / 32 * (q8 ? Q8_0.BYTES : Q4_0.BYTES));
            if (q8) {
                Q8_0.quantize(row, 0, padded, blocks);
                Q8_0.dequantize(blocks, 0, padded, back, 0);
            } else {
                Q4_0.quantize(row, 0, padded, blocks);
                Q4_0.dequantize(blocks, 0, padded, back, 0);
            }
            System.arraycopy(back, 0, result, o * in, in);
        }
        return result;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
