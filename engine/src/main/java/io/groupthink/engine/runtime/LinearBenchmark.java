package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.groupthink.engine.model.Floats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Micro-benchmark of the linear operator at decode shapes: LibTorch against the few-row kernel,
 * in ms, GB/s of weights read and GFLOP/s, plus this machine's read bandwidth. Both operators
 * run in the same process, interleaved, so their ratio is fair on a noisy machine.
 */
public final class LinearBenchmark {

    /** One measurement. */
    public record Row(String shape, int rows, double torchMs, double kernelMs, double bf16Ms, double torchGBs,
            double kernelGBs, double torchGflops, double kernelGflops) {}

    /** Qwen2.5-0.5B's projections: fused qkv, o, fused gate/up, down, and the 151936-row head. */
    public static final int[][] QWEN_05B = {{1152, 896}, {896, 896}, {9728, 896}, {896, 4864}, {151936, 896}};

    /** Must be a constant: C2 intrinsifies vector operations only on a static final species. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private LinearBenchmark() {}

    public static List<Row> run(int[][] shapes, int[] rowCounts, int threads, int repeats) {
        List<Row> out = new ArrayList<>();
        int parts = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        SpinPool kernelPool = new SpinPool(parts);
        try (NDManager m = TorchRuntime.newManager(threads)) {
            for (int[] s : shapes) {
                int o = s[0];
                int in = s[1];
                try (NDManager scope = m.newSubManager()) {
                    // bf16-exact values, as a bf16 checkpoint's: the kernel runs with either storage
                    float[] values = scope.randomNormal(new Shape(o, in)).toFloatArray();
                    for (int i = 0; i < values.length; i++) {
                        values[i] = Float.intBitsToFloat(Floats.toBf16(values[i]) << 16);
                    }
                    NDArray w = scope.create(values, new Shape(o, in));
                    Linear torch = new TorchLinear(w, null);
                    Linear kernel = VectorLinear.of(w, null, kernelPool, parts, WeightStorage.FP32);
                    Linear bf16 = VectorLinear.of(w, null, kernelPool, parts, WeightStorage.BF16_WHERE_EXACT);
                    for (int rows : rowCounts) {
                        NDArray x = scope.randomNormal(new Shape(rows, in));
                        // Each operator in its own block, as the engine runs it: LibTorch with its
                        // pool, then the kernel with LibTorch at one thread (idle OpenMP workers
                        // would otherwise spin on the kernel's cores).
                        double t = best(torch, x, repeats);
                        int torchThreads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
                        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
                        double k = best(kernel, x, repeats);
                        double h = best(bf16, x, repeats);
                        ai.djl.pytorch.jni.JniUtils.setNumThreads(torchThreads);
                        double bytes = 4.0 * o * in;
                        double flops = 2.0 * rows * o * in;
                        out.add(new Row(o + "x" + in, rows, t, k, h, bytes / t / 1e6, bytes / k / 1e6, flops / t / 1e6,
                                flops / k / 1e6));
                    }
                }
            }
        }
        return out;
    }

    private static double best(Linear op, NDArray x, int repeats) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < repeats; rep++) {
            best = Math.min(best, time(op, x));
        }
        return best;
    }

    private static double time(Linear op, NDArray x) {
        long t0 = System.nanoTime();
        NDArray y = op.apply(x);
        y.toFloatArray(); // include getting the result out, as the forward pass would use it
        double ms = (System.nanoTime() - t0) / 1e6;
        y.close();
        return ms;
    }

    /** Read bandwidth in GB/s: a vectorised sum over a 1 GiB array split across {@code threads}. */
    public static double readBandwidth(int threads, int repeats) throws Exception {
        float[] data = new float[256 * 1024 * 1024];
        java.util.Arrays.fill(data, 1f);
        ForkJoinPool pool = new ForkJoinPool(threads);
        double best = 0;
        try {
            for (int rep = 0; rep < repeats; rep++) {
                long t0 = System.nanoTime();
                List<Future<Float>> parts = new ArrayList<>();
                int per = data.length / threads;
                for (int p = 0; p < threads; p++) {
                    int from = p * per;
                    int to = from + per;
                    parts.add(pool.submit(() -> sum(data, from, to)));
                }
                float sum = 0;
                for (Future<Float> f : parts) {
                    sum += f.get();
                }
                double sec = (System.nanoTime() - t0) / 1e9;
                if (sum != data.length) {
                    throw new IllegalStateException("bandwidth probe miscounted");
                }
                best = Math.max(best, data.length * 4.0 / sec / 1e9);
            }
        } finally {
            pool.shutdown();
        }
        return best;
    }

    /** Four independent accumulators, so the sum is bound by memory, not by add latency. */
    private static float sum(float[] data, int from, int to) {
        int l = SPECIES.length();
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int i = from;
        for (; i + 4 * l <= to; i += 4 * l) {
            a0 = a0.add(FloatVector.fromArray(SPECIES, data, i));
            a1 = a1.add(FloatVector.fromArray(SPECIES, data, i + l));
            a2 = a2.add(FloatVector.fromArray(SPECIES, data, i + 2 * l));
            a3 = a3.add(FloatVector.fromArray(SPECIES, data, i + 3 * l));
        }
        float total = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            total += data[i];
        }
        return total;
    }

    /**
     * Qwen2.5-0.5B's gate-up product at Q8_0 with SwiGLU fused into its chunks against the product
     * followed by SwiGLU, alternating call by call, 16 MB read between calls (as a step's other
     * products evict the caches). Returns {median fused, median two-step, median of the paired
     * differences two-step less fused}, in microseconds.
     */
    private static volatile long blackhole;

    public static double[] swiGluFusion(int rows, int iterations, int threads) {
        int in = QWEN_05B[2][1];
        int out = QWEN_05B[2][0];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
        }
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int parts = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        byte[] evict = new byte[16 << 20];
        long[][] nanos = new long[2][iterations];
        long sink = 0;
        try (SpinPool pool = new SpinPool(parts)) {
            BlockLinear op = Q8_0Linear.quantized(w, out, in, null, pool, parts);
            int warm = 50;
            for (int it = 0; it < warm + iterations; it++) {
                for (int v = 0; v < 2; v++) {
                    boolean fused = (it + v) % 2 == 0; // each goes first every other time
                    for (int i = 0; i < evict.length; i += 64) {
                        sink += evict[i]++;
                    }
                    long t0 = System.nanoTime();
                    float[] h = fused ? op.multiplySwiGlu(x, rows) : op.swiGlu(op.multiply(x, rows), rows);
                    long t = System.nanoTime() - t0;
                    sink += h.length;
                    if (it >= warm) {
                        nanos[fused ? 0 : 1][it - warm] = t;
                    }
                }
            }
        }
        long[] diff = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            diff[i] = nanos[1][i] - nanos[0][i];
        }
        java.util.Arrays.sort(nanos[0]);
        java.util.Arrays.sort(nanos[1]);
        java.util.Arrays.sort(diff);
        blackhole = sink; // keeps the eviction reads
        return new double[] {nanos[0][iterations / 2] / 1e3, nanos[1][iterations / 2] / 1e3, diff[iterations / 2] / 1e3};
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("swiglu")) {
            for (int rows : new int[] {1, 4, 8}) {
                double[] f = swiGluFusion(rows, 4000, 0);
                System.out.printf("gate-up 9728x896 Q8_0, %d rows: fused %.1f us, product then SwiGLU %.1f us;"
                        + " paired difference %.2f us (medians)%n", rows, f[0], f[1], f[2]);
            }
            return;
        }
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int[] rows = {1, 2, 4, 8, 16};
        System.out.printf("read bandwidth: %.1f GB/s (2 threads), %.1f GB/s (1 thread)%n", readBandwidth(2, 5),
                readBandwidth(1, 5));
        System.out.println("GB/s and GF (GFLOP/s) count fp32 weight bytes and flops; the bf16 kernel streams half the bytes");
        System.out.printf("%-12s %4s %10s %10s %9s %9s %9s %9s %9s %7s %7s%n", "shape", "rows", "torch ms", "kernel ms",
                "bf16 ms", "torch GB/s", "kern GB/s", "torch GF", "kern GF", "speedup", "bf16");
        for (Row r : run(QWEN_05B, rows, threads, 20)) {
            System.out.printf("%-12s %4d %10.3f %10.3f %9.3f %9.1f %9.1f %9.1f %9.1f %6.2fx %6.2fx%n", r.shape(), r.rows(),
                    r.torchMs(), r.kernelMs(), r.bf16Ms(), r.torchGBs(), r.kernelGBs(), r.torchGflops(),
                    r.kernelGflops(), r.torchMs() / r.kernelMs(), r.torchMs() / r.bf16Ms());
        }
    }
}
