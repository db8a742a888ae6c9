package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the linear-operator implementation once per JVM, by measurement. */
public final class KernelSelector {

    private static final Logger log = LoggerFactory.getLogger(KernelSelector.class);
    private static volatile LinearFactory chosen;

    private KernelSelector() {}

    /** The kernel factory: marks models whose products run in Java threads, not LibTorch's. */
    public record Vector(SpinPool pool, int parts, WeightStorage storage) implements LinearFactory {
        @Override
        public Linear create(NDArray weight, NDArray bias) {
            return VectorLinear.of(weight, bias, pool, parts, storage);
        }
    }

    /** Checked without touching VectorLinear, whose class needs the module to initialise. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static LinearFactory vector(int threads, WeightStorage storage) {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("the Vector API kernel needs the JVM option --add-modules jdk.incubator.vector");
        }
        int parts = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        SpinPool pool = new SpinPool(parts);
        long t0 = System.nanoTime();
        VectorLinear.warmUp(pool, parts);
        log.debug("kernel warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
        return new Vector(pool, parts, storage);
    }

    static synchronized LinearFactory select(int threads) {
        if (chosen != null) {
            return chosen;
        }
        if (!vectorModulePresent()) {
            log.info("linear operator: LibTorch (start the JVM with --add-modules jdk.incubator.vector for the few-row kernel)");
            return chosen = LinearFactory.TORCH;
        }
        LinearFactory vector = vector(threads, WeightStorage.BF16_WHERE_EXACT);
        // A decode-shaped product larger than the last-level cache (64 MiB), as a real model's
        // weights are: 1 and 4 rows.
        int out = 16384;
        int in = 1024;
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
            torchMs = time(m, torch, in);
            int torchThreads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(1); // as it runs beside the kernel
            kernelMs = time(m, kernel, in);
            ai.djl.pytorch.jni.JniUtils.setNumThreads(torchThreads);
        }
        boolean useKernel = kernelMs < torchMs;
        log.info("linear operator: {} (16384x1024 product, 1+4 rows: Vector API kernel {} ms, LibTorch {} ms)",
                useKernel ? "Vector API few-row kernel" : "LibTorch", String.format("%.3f", kernelMs),
                String.format("%.3f", torchMs));
        return chosen = useKernel ? vector : LinearFactory.TORCH;
    }

    private static double time(NDManager m, Linear op, int in) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 12; rep++) {
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
