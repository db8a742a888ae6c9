package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;

/**
 * y = x W^T (+ b): the operator that reads the weights, and so bounds decode speed. One
 * implementation per strategy (LibTorch, a few-row kernel); the forward pass does not care which.
 */
public interface Linear extends AutoCloseable {

    /** @param x [rows, in]; the result is attached to x's manager */
    NDArray apply(NDArray x);

    /** The product as a row-major float[rows * out], for results that leave native memory anyway (logits). */
    default float[] applyToArray(NDArray x) {
        return apply(x).toFloatArray();
    }

    int in();

    int out();

    /** Bytes of weights one product streams: fp32 unless the operator holds them more compactly. */
    default long weightBytes() {
        return 4L * in() * out();
    }

    /** True when the operator keeps its own copy of the weight, so the original can be freed. */
    default boolean ownsWeights() {
        return false;
    }

    @Override
    default void close() {}
}
