package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the linear-operator implementation once per JVM, by measurement. */
final class KernelSelector {

    private static final Logger log = LoggerFactory.getLogger(KernelSelector.class);
    private static volatile LinearFactory chosen;

    private KernelSelector() {}

    static LinearFactory vector(int threads) {
        if (!VectorLinear.available()) {
            throw new IllegalStateException("the Vector API kernel needs the JVM option --add-modules jdk.incubator.vector");
        }
        int parts = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ForkJoinPool pool = new ForkJoinPool(parts);
        return (w, b) -> VectorLinear.of(w, b, pool, parts);
    }

    static synchronized LinearFactory select(int threads) {
        if (chosen != null) {
            return chosen;
        }
        if (!VectorLinear.available()) {
            log.info("linear operator: LibTorch (start the JVM with --add-modules jdk.incubator.vector for the few-row kernel)");
            return chosen = LinearFactory.TORCH;
        }
        LinearFactory vector = vector(threads);
        // A decode-shaped product: one FFN matrix of a small model, 1 and 4 rows.
        int out = 4864;
        int in = 896;
        float[] weight = new float[out * in];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) r.nextGaussian();
        }
        double torchMs;
        double kernelMs;
        try (NDManager m = TorchRuntime.newManager(threads)) {
            NDArray w = m.create(weight, new Shape(out, in));
            Linear torch = new TorchLinear(w, null);
            Linear kernel = vector.create(w, null);
            torchMs = time(m, torch, in) ;
            kernelMs = time(m, kernel, in);
        }
        boolean useKernel = kernelMs < torchMs;
        log.info("linear operator: {} (4864x896 product, 1+4 rows: Vector API kernel {} ms, LibTorch {} ms)",
                useKernel ? "Vector API few-row kernel" : "LibTorch", String.format("%.3f", kernelMs),
                String.format("%.3f", torchMs));
        return chosen = useKernel ? vector : LinearFactory.TORCH;
    }

    private static double time(NDManager m, Linear op, int in) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 30; rep++) {
            try (NDManager scope = m.newSubManager()) {
                NDArray x1 = scope.randomNormal(new Shape(1, in));
                NDArray x4 = scope.randomNormal(new Shape(4, in));
                long t0 = System.nanoTime();
                op.apply(x1).toFloatArray();
                op.apply(x4).toFloatArray();
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
        }
        return best;
    }
}
