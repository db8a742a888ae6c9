package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Chooses the {@link Linear} implementation for each weight, once, at load time. */
@FunctionalInterface
public interface LinearFactory {

    /** @param weight [out, in]; @param bias [out] or null */
    Linear create(NDArray weight, NDArray bias);

    /** LibTorch's product for every weight. */
    LinearFactory TORCH = TorchLinear::new;

    /** The names a configuration may give, for {@link #named}. */
    List<String> NAMES = List.of("auto", "kernel", "kernel-fp32", "torch");

    /**
     * The factory a configuration names: kernel (bf16 weights kept as bf16), kernel-fp32, torch,
     * or auto, for which this returns null: the engine measures once at load and picks.
     */
    static LinearFactory named(String name, int threads) {
        return switch (name) {
            case "auto" -> null;
            case "torch" -> TORCH;
            case "kernel" -> vector(threads);
            case "kernel-fp32" -> vector(threads, WeightStorage.FP32);
            default -> throw new IllegalArgumentException("linear operator must be one of " + NAMES + ", got '"
                    + name + "'");
        };
    }

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
