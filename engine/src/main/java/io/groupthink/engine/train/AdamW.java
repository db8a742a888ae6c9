package io.groupthink.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), with the gradient clipped to a global
 * norm first. Runs outside the gradient collector, so the in-place updates are not recorded.
 */
public final class AdamW {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clip;
    private final Set<String> decayed;
    private final Map<String, NDArray> m = new HashMap<>();
    private final Map<String, NDArray> v = new HashMap<>();
    private final NDManager state;
    private int t;

    /** @param state where the moments live: a manager that outlives training */
    public AdamW(NDManager state, double beta1, double beta2, double eps, double weightDecay, double clip, Set<String> decayed) {
        this.state = state;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clip = clip;
        this.decayed = Set.copyOf(decayed);
    }

    /**
     * One update of every parameter from its gradient, which is then zeroed. Temporaries go to
     * {@code step}; moments live with the parameters. Returns the gradient norm before clipping.
     */
    public double step(Map<String, NDArray> params, double lr, NDManager step) {
        t++;
        Map<String, NDArray> grads = new HashMap<>();
        double sq = 0;
        for (var e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(step);
            grads.put(e.getKey(), g);
            sq += g.pow(2).sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            grads.values().forEach(AdamW::zero); // a non-finite gradient would poison the moments: skip it
            t--;
            return norm;
        }
        double scale = clip > 0 && norm > clip ? clip / norm : 1.0;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        for (var e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = grads.get(e.getKey()).mul(scale);
            NDArray mi = m.computeIfAbsent(e.getKey(), k -> state.zeros(p.getShape()));
            NDArray vi = v.computeIfAbsent(e.getKey(), k -> state.zeros(p.getShape()));
            mi.muli(beta1).addi(g.mul(1 - beta1));
            vi.muli(beta2).addi(g.mul(g).mul(1 - beta2));
            NDArray update = g.getManager().zeros(p.getShape()).addi(mi).div(bc1)
                    .div(g.getManager().zeros(p.getShape()).addi(vi).div(bc2).sqrt().add(eps));
            if (decayed.contains(e.getKey())) {
                p.muli(1 - lr * weightDecay);
            }
            p.subi(update.mul(lr));
            zero(grads.get(e.getKey()));
        }
        return norm;
    }

    public void close() {
        m.values().forEach(NDArray::close);
        v.values().forEach(NDArray::close);
    }

    /** Gradients accumulate across backward passes; reset by assignment (NaN * 0 would stay NaN). */
    private static void zero(NDArray g) {
        g.set(new NDIndex(":"), 0f);
    }
}
