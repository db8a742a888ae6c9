package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Chooses the {@link Linear} implementation for each weight, once, at load time. */
@FunctionalInterface
public interface LinearFactory extends AutoCloseable {

    /** @param weight [out, in]; @param bias [out] or null */
    Linear create(NDArray weight, NDArray bias);

    /**
     * The output matrix [vocab, dim], which a factory may hold more precisely than the others, as
     * llama.cpp's quantizer keeps {@code output.weight} at 6 or 8 bits in a 4-bit file: every
     * token's choice is read off it.
     */
    default Linear createHead(NDArray weight) {
        return create(weight, null);
    }

    /**
     * The factory one model builds its operators with. Resources its operators share (the kernel's
     * helper threads) belong to that model alone, which closes them with {@link #close()}.
     */
    default LinearFactory forModel() {
        return this;
    }

    /** Releases what the operators built here share; they must not run afterwards. */
    @Override
    default void close() {}

    /** LibTorch's product for every weight. */
    LinearFactory TORCH = TorchLinear::new;

    /** The names a configuration may give, for {@link #named}. */
    List<String> NAMES = List.of("auto", "kernel", "kernel-fp32", "torch");

    /** The weight quantizations a configuration may ask for at load, for {@link #named(String, int, String)}. */
    List<String> QUANTIZE = List.of("none", "q8_0", "q4_0");

    /**
     * The factory a configuration names, with weights quantized at load when {@code quantize} is
     * q8_0 or q4_0: only the kernel computes on quantized weights, so auto then means the kernel,
     * and torch or kernel-fp32 with a quantization is refused.
     */
    static LinearFactory named(String name, int threads, String quantize) {
        WeightStorage storage = switch (quantize == null ? "none" : quantize) {
            case "none" -> null;
            case "q8_0" -> WeightStorage.Q8_0;
            case "q4_0" -> WeightStorage.Q4_0;
            default -> throw new IllegalArgumentException("quantize must be one of " + QUANTIZE + ", got '"
                    + quantize + "'");
        };
        if (storage == null) {
            return named(name, threads);
        }
        if (!name.equals("auto") && !name.equals("kernel")) {
            throw new IllegalArgumentException("quantize " + quantize + " needs the kernel (linear auto or kernel), got '"
                    + name + "'");
        }
        return vector(threads, storage);
    }

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
