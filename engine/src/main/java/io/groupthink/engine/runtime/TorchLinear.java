package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;

/** LibTorch's {@code linear}: one JNI call, an MKL product on the [out, in] weight. */
public final class TorchLinear implements Linear {

    private final NDArray weight; // [out, in]
    private final NDArray bias; // [out] or null

    public TorchLinear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public NDArray apply(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    @Override
    public int in() {
        return (int) weight.getShape().get(1);
    }

    @Override
    public int out() {
        return (int) weight.getShape().get(0);
    }
}
