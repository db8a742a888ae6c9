package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.Floats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The few-row kernel equals LibTorch's product, over random shapes including odd sizes. */
class VectorLinearTest {

    @Test
    void equalsLibTorchOverRandomShapes() {
        SplittableRandom r = new SplittableRandom(2026);
        SpinPool pool = new SpinPool(2);
        try (NDManager m = TorchRuntime.newManager(0)) {
            // {64, 1000, 20} and {40, 4866, 4} split SwiGLU's columns over the kernel threads (rows x out / 2 >= 8192);
            // the last four are one row over four column blocks at a time and a rest, fp32 and bf16 in turn
            int[][] fixed = {{1, 1, 1}, {17, 3, 5}, {16, 16, 16}, {33, 7, 1}, {896, 1152, 4}, {1, 40, 13}, {64, 1000, 20},
                {40, 4866, 4}, {100, 1152, 1}, {896, 1152, 1}, {70, 1000, 1}, {64, 1000, 1}};
            for (int trial = 0; trial < 40; trial++) {
                int in = trial < fixed.length ? fixed[trial][0] : 1 + r.nextInt(300);
                int out = trial < fixed.length ? fixed[trial][1] : 1 + r.nextInt(300);
                int rows = trial < fixed.length ? fixed[trial][2] : 1 + r.nextInt(40);
                boolean withBias = r.nextBoolean();
                boolean bf16 = trial % 2 == 1;
                try (NDManager scope = m.newSubManager()) {
                    NDArray w = scope.randomNormal(new Shape(out, in));
                    if (bf16) {
                        w = roundToBf16(w);
                    }
                    NDArray b = withBias ? scope.randomNormal(new Shape(out)) : null;
                    NDArray x = scope.randomNormal(new Shape(rows, in));
                    float[] expected = new TorchLinear(w, b).apply(x).toFloatArray();
                    int parts = trial < fixed.length ? 2 : 1 + r.nextInt(3);
                    VectorLinear kernel = VectorLinear.of(w, b, pool, parts, WeightStorage.BF16_WHERE_EXACT);
                    assertThat(kernel.weightBytes()).as("bf16 storage is chosen exactly when it is exact")
                            .isEqualTo((bf16 ? 2L : 4L) * in * (long) Math.ceil(out / (double) laneCount()) * laneCount());
                    float[] got = kernel.apply(x).toFloatArray();
                    assertThat(got).hasSameSizeAs(expected);
                    // every tile sums a column in one order, so the split into chunks and threads changes no bit
                    assertThat(VectorLinear.of(w, b, pool, 1, WeightStorage.BF16_WHERE_EXACT).apply(x).toFloatArray())
                            .as("[%d x %d] x %d rows on one thread against %d parts", out, in, rows, parts)
                            .containsExactly(got);
                    if (bf16) { // the same weights held as fp32: the same operations, so the same bits
                        assertThat(got).as("[%d x %d] x %d rows, bf16 against fp32 storage", out, in, rows).containsExactly(
                                VectorLinear.of(w, b, pool, parts, WeightStorage.FP32).apply(x).toFloatArray());
                    }
                    for (int i = 0; i < got.length; i++) {
                        double tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]));
                        assertThat((double) got[i]).as("[%d x %d] x %d rows, element %d", out, in, rows, i)
                                .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance));
                    }
                    // the fused input norm: LibTorch's NDArray rms_norm then its product, against the
                    // kernel normalising while it copies x out
                    RmsNorm norm = RmsNorm.of(scope.randomNormal(new Shape(in)), 1e-5f);
                    float[] normedExpected = new TorchLinear(w, b).apply(x, norm).toFloatArray();
                    float[] normedGot = kernel.apply(x, norm).toFloatArray();
                    assertThat(kernel.applyToArray(x, norm)).containsExactly(normedGot);
                    for (int i = 0; i < normedGot.length; i++) {
                        double tolerance = 1e-4 * Math.max(1, Math.abs(normedExpected[i]));
                        assertThat((double) normedGot[i]).as("normed [%d x %d] x %d rows, element %d", out, in, rows, i)
                                .isCloseTo(normedExpected[i], org.assertj.core.data.Offset.offset(tolerance));
                    }
                    if (out % 2 == 0) { // the fused SwiGLU epilogue against silu(g) * u in double on the same product
                        BlockLinearTest.assertSwiGlu(String.format("[%d x %d] x %d rows", out, in, rows), normedGot, rows,
                                out, kernel.applySwiGlu(x, norm).toFloatArray());
                    }
                    float[] row = new float[in];
                    int o = r.nextInt(out);
                    kernel.row(o, row, 0);
                    float[] wRow = w.get(o).toFloatArray();
                    assertThat(row).containsExactly(wRow);
                }
            }
        }
    }

    /** A bf16 copy of w: what a bf16 checkpoint widens to. */
    private static NDArray roundToBf16(NDArray w) {
        float[] v = w.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(Floats.toBf16(v[i]) << 16);
        }
        return w.getManager().create(v, w.getShape());
    }

    private static int laneCount() {
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    }
}
