package io.groupthink.engine.train;

import io.groupthink.engine.groupthink.VisibilityRule;
import io.groupthink.engine.runtime.Owner;

/**
 * One training sequence: a whole session laid out in arrival order, as the engine stores it in
 * its KV cache.
 *
 * @param tokens    token ids [T]
 * @param positions RoPE positions [T], from the session's position policy
 * @param owners    who each token belongs to [T], from which the mask is derived
 * @param passes    the forward pass that stored each token [T]: 0 the prefill, k + 1 decode step k
 * @param targets   the token each row must predict, or -1 where inference takes no logits [T]
 * @param choices   how many tokens were equally right at each target row (1: a forced token) [T]
 * @param rule      the session's visibility rule
 */
public record Trace(int[] tokens, int[] positions, Owner[] owners, int[] passes, int[] targets, int[] choices,
        VisibilityRule rule) {

    public int length() {
        return tokens.length;
    }

    /**
     * Whether row {@code q} attends row {@code k}: the rule says so and {@code k} was in the cache
     * when {@code q}'s pass ran (a later pass's tokens do not exist yet, though the rule alone
     * would allow a thinker to see the synthesis lane).
     */
    public boolean sees(int q, int k) {
        return passes[k] <= passes[q] && rule.sees(owners[q], owners[k]);
    }

    /** Rows with a target. */
    public int targetCount() {
        int n = 0;
        for (int t : targets) {
            n += t >= 0 ? 1 : 0;
        }
        return n;
    }

    /** The lowest mean cross-entropy a model can reach on this trace: mean ln(choices) over targets. */
    public double optimalLoss() {
        double sum = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] >= 0) {
                sum += Math.log(choices[i]);
            }
        }
        return sum / targetCount();
    }
}
