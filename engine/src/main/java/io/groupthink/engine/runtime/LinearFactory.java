package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;

/** Chooses the {@link Linear} implementation for each weight, once, at load time. */
@FunctionalInterface
public interface LinearFactory {

    /** @param weight [out, in]; @param bias [out] or null */
    Linear create(NDArray weight, NDArray bias);

    /** LibTorch's product for every weight. */
    LinearFactory TORCH = TorchLinear::new;

    /**
     * The few-row Vector API kernel where the JVM has {@code jdk.incubator.vector} and it beats
     * LibTorch on this machine (measured once), LibTorch otherwise. The choice is logged.
     */
    static LinearFactory auto(int threads) {
        return KernelSelector.select(threads);
    }

    /**
     * The Vector API kernel for every weight (throws if the module is absent), holding weights as
     * bf16 where that is exact (a bf16 checkpoint): half the bytes per token, same products.
     */
    static LinearFactory vector(int threads) {
        return KernelSelector.vector(threads, WeightStorage.BF16_WHERE_EXACT);
    }

    /** The Vector API kernel with the given weight storage. */
    static LinearFactory vector(int threads, WeightStorage storage) {
        return KernelSelector.vector(threads, storage);
    }
}
