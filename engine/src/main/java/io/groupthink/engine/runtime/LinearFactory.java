package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;

/** Chooses the {@link Linear} implementation for each weight, once, at load time. */
@FunctionalInterface
public interface LinearFactory {

    /** @param weight [out, in]; @param bias [out] or null */
    Linear create(NDArray weight, NDArray bias);

    LinearFactory TORCH = TorchLinear::new;
}
