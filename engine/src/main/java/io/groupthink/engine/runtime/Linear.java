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

    /** The product of rms_norm(x): an operator that copies x out anyway normalises while copying. */
    default NDArray apply(NDArray x, RmsNorm norm) {
        return apply(norm.apply(x));
    }

    /**
     * The product of rms_norm(x) as a row-major float[rows * out], for results that leave native
     * memory anyway (logits).
     */
    default float[] applyToArray(NDArray x, RmsNorm norm) {
        return apply(x, norm).toFloatArray();
    }

    /**
     * SwiGLU over the product of rms_norm(x), for a fused [gate; up] weight: silu(gate) * up, where
     * gate and up are the two halves of the product. Returns [rows, out / 2]. An operator that
     * computes on the Java heap applies both there.
     */
    default NDArray applySwiGlu(NDArray x, RmsNorm norm) {
        NDList gateUp = apply(x, norm).split(2, 1);
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
