package io.groupthink.engine.groupthink;

import io.groupthink.engine.runtime.AttentionMask;
import io.groupthink.engine.runtime.Owner;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Group Think attention-mask operator: builds each step's additive mask from token owners,
 * applying the visibility rule of the query's session. One operator serves every session that
 * shares a batch; a session registers its rule before its first step.
 */
public final class MaskOperator implements AttentionMask {

    private final Map<Long, VisibilityRule> rules = new ConcurrentHashMap<>();

    public void register(long session, VisibilityRule rule) {
        rules.put(session, rule);
    }

    public void unregister(long session) {
        rules.remove(session);
    }

    @Override
    public float[] build(Owner[] queries, Owner[] keys, int keyCount) {
        float[] mask = new float[queries.length * keyCount];
        Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < queries.length; i++) {
            Owner q = queries[i];
            VisibilityRule rule = rules.get(q.session());
            if (rule == null) {
                throw new IllegalStateException("no visibility rule registered for session " + q.session());
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
