package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

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

    /**
     * SwiGLU over this operator's output, for a fused [gate; up] weight: silu(gate) * up, where
     * gate and up are the two halves of x W^T. Returns [rows, out / 2]. An operator that computes on
     * the Java heap applies it there, before the result goes back to native memory.
     */
    default NDArray applySwiGlu(NDArray x) {
        NDList gateUp = apply(x).split(2, 1);
        NDArray gate = gateUp.get(0);
        return gate.mul(gate.getNDArrayInternal().sigmoid()).mul(gateUp.get(1));
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
