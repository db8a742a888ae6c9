package io.groupthink.engine.runtime;

import java.util.Arrays;
import java.util.Map;

/**
 * The Group Think attention-mask operator: builds a step's additive mask from token owners,
 * applying the visibility rule of each query's session. The rules are those the batch carries,
 * so there is nothing to register or unregister: a session's rule lives as long as its tokens
 * are in a batch.
 */
public final class MaskOperator implements AttentionMask {

    private final Map<Long, Visibility> rules;

    public MaskOperator(Map<Long, Visibility> rules) {
        this.rules = rules;
    }

    @Override
    public float[] build(Owner[] queries, Owner[] keys, int keyCount) {
        float[] mask = new float[queries.length * keyCount];
        Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < queries.length; i++) {
            Owner q = queries[i];
            Visibility rule = rules.get(q.session());
            if (rule == null) {
                throw new IllegalStateException("the batch carries no visibility rule for session " + q.session());
            }
            int row = i * keyCount;
            for (int j = 0; j < keyCount; j++) {
                Owner k = keys[j];
                if (k != null && rule.sees(q, k)) {
                    mask[row + j] = 0f;
                }
            }
        }
        return mask;
    }
}
