package io.groupthink.engine.runtime;

/** How the few-row kernel holds a weight matrix (kept apart from the kernel, which needs the Vector API). */
public enum WeightStorage {
    /** fp32 always: 4 bytes per weight. */
    FP32,
    /**
     * bf16 when every weight of the matrix is exactly a bf16 value (a bf16 checkpoint), fp32
     * otherwise: 2 bytes per weight and the same products, since widening bf16 is exact.
     */
    BF16_WHERE_EXACT,
    /** ggml's Q8_0, quantized at load: 32 weights share a scale, 8-bit codes (1.125 bytes per weight). */
    Q8_0,
    /** ggml's Q4_0, quantized at load: 32 weights share a scale, 4-bit codes (0.625 bytes per weight). */
    Q4_0
}
