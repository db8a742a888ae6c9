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

    private KernelSelector() {}

    /**
     * The kernel factory: marks models whose products run in Java threads, not LibTorch's. A model
     * takes {@link #forModel() its own copy}, with its own helper threads, and closes it with itself;
     * products built on this instance directly share one pool, made when first needed.
     */
    public static final class Vector implements LinearFactory {
        private final int parts;
        private final WeightStorage storage;
        private SpinPool pool;

        Vector(int parts, WeightStorage storage, SpinPool pool) {
            this.parts = parts;
            this.storage = storage;
            this.pool = pool;
        }

        public WeightStorage storage() {
            return storage;
        }

        /** The same kernel holding its weights as {@code other}. */
        public Vector withStorage(WeightStorage other) {
            return other == storage ? this : new Vector(parts, other, null);
        }

        @Override
        public Linear create(NDArray weight, NDArray bias) {
            return create(weight, bias, storage);
        }

        /**
         * At Q4_0 the head keeps Q8_0 codes, as in llama-quantize's Q4_0 files (which use Q8_0 where
         * the head's rows are not whole 256-blocks, Q6_K otherwise; the kernel has no Q6_K).
         */
        @Override
        public Linear createHead(NDArray weight) {
            return create(weight, null, storage == WeightStorage.Q4_0 ? WeightStorage.Q8_0 : storage);
        }

        private Linear create(NDArray weight, NDArray bias, WeightStorage as) {
            return switch (as) {
                case FP32, BF16_WHERE_EXACT -> VectorLinear.of(weight, bias, pool(), parts, as);
                case Q8_0 -> BlockLinear.of(weight, bias, pool(), parts, Q8_0Linear::quantized);
                case Q4_0 -> BlockLinear.of(weight, bias, pool(), parts, Q4_0Linear::quantized);
            };
        }

        private synchronized SpinPool pool() {
            if (pool == null) {
                pool = new SpinPool(parts);
            }
            return pool;
        }

        @Override
        public LinearFactory forModel() {
            return new Vector(parts, storage, new SpinPool(parts));
        }

        @Override
        public synchronized void close() {
            if (pool != null) {
                pool.close();
            }
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
        warmUpOnce(parts);
        return new Vector(parts, storage, null);
    }

    private static boolean warm;

    /** Compiles the kernels once per JVM, on a pool of its own that is closed afterwards. */
    private static synchronized void warmUpOnce(int parts) {
        if (warm) {
            return;
        }
        long t0 = System.nanoTime();
        try (SpinPool pool = new SpinPool(parts)) {
            VectorLinear.warmUp(pool, parts);
            BlockLinear.warmUp(pool, parts);
        }
        warm = true;
        log.debug("kernel warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The factory {@code auto} names: the kernel or LibTorch, whichever measured faster once per
     * JVM. Each call returns a new factory, so models never share kernel threads.
     */
    static LinearFactory select(int threads) {
        boolean kernel = kernelIsFaster(threads);
        return kernel ? vector(threads, WeightStorage.BF16_WHERE_EXACT) : LinearFactory.TORCH;
    }

    private static Boolean kernelFaster;

    private static synchronized boolean kernelIsFaster(int threads) {
        if (kernelFaster != null) {
            return kernelFaster;
        }
        if (!vectorModulePresent()) {
            log.info("linear operator: LibTorch (start the JVM with --add-modules jdk.incubator.vector for the few-row kernel)");
            return kernelFaster = false;
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
        try (NDManager m = TorchRuntime.newManager(threads); vector) {
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
        return kernelFaster = useKernel;
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
