package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.VisibilityRule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator on hand-built owners: the worked example of the design notes, and session isolation. */
class MaskOperatorTest {

    static final float NO = Float.NEGATIVE_INFINITY;

    @Test
    void theWorkedExample() {
        // N = 2 at step 1: prompt, suffix T1, suffix T2, T1@0, T2@0, T1@1, T2@1
        AttentionMask op = new Batch().rule(7, new VisibilityRule(Mode.GROUP_THINK, Integer.MIN_VALUE, false)).mask();
        Owner[] keys = {
            new Owner(7, Owner.SHARED, Owner.PROMPT, 0), new Owner(7, 0, VisibilityRule.INSTRUCTION, 1),
            new Owner(7, 1, VisibilityRule.INSTRUCTION, 2), new Owner(7, 0, 0, 3), new Owner(7, 1, 0, 4),
            new Owner(7, 0, 1, 5), new Owner(7, 1, 1, 6)};
        float[] mask = op.build(new Owner[] {keys[5], keys[6]}, keys, keys.length);
        assertThat(mask).containsExactly(0, 0, NO, 0, 0, 0, 0, /* T1@1 */ 0, NO, 0, 0, 0, 0, 0 /* T2@1 */);

        op = new Batch().rule(7, new VisibilityRule(Mode.INDEPENDENT, Integer.MIN_VALUE, false)).mask();
        mask = op.build(new Owner[] {keys[5], keys[6]}, keys, keys.length);
        assertThat(mask).containsExactly(0, 0, NO, 0, NO, 0, NO, /* T1@1 */ 0, NO, 0, NO, 0, NO, 0 /* T2@1 */);
    }

    @Test
    void hiddenReasoningIsSeenOnlyByItsOwnLane() {
        // T1 reasons at steps 0 and 1 (hidden), T2 writes visible text; then T1 answers at step 2
        VisibilityRule rule = new VisibilityRule(Mode.GROUP_THINK, 2, false);
        Owner t1r0 = new Owner(7, 0, VisibilityRule.hidden(0), 3);
        Owner t2v0 = new Owner(7, 1, 0, 4);
        Owner t1r1 = new Owner(7, 0, VisibilityRule.hidden(1), 5);
        Owner t2v1 = new Owner(7, 1, 1, 6);
        Owner t1v2 = new Owner(7, 0, 2, 7);
        Owner t2v2 = new Owner(7, 1, 2, 8);
        Owner synthesis = new Owner(7, 2, 3, 9);
        assertThat(rule.sees(t1r1, t1r0)).as("own reasoning").isTrue();
        assertThat(rule.sees(t1r1, t2v0)).as("a reasoning token still sees the others' visible text").isTrue();
        assertThat(rule.sees(t1r1, t2v1)).as("same step, as for visible tokens").isTrue();
        assertThat(rule.sees(t2v2, t1r0)).isFalse();
        assertThat(rule.sees(t2v2, t1r1)).isFalse();
        assertThat(rule.sees(t2v2, t1v2)).as("the answer after </think> is visible").isTrue();
        assertThat(rule.sees(synthesis, t1r0)).isFalse();
        assertThat(rule.sees(synthesis, t1v2)).isTrue();
        assertThat(rule.sees(t1v2, t1r1)).as("the thinker reads its own reasoning").isTrue();
    }

    @Test
    void aTokenNeverSeesAnotherSessionsTokens() {
        AttentionMask op = new Batch()
                .rule(1, new VisibilityRule(Mode.GROUP_THINK, 2, true)) // synthesis lane and instructions visible
                .rule(2, new VisibilityRule(Mode.GROUP_THINK, Integer.MIN_VALUE, true)).mask();
        List<Owner> keys = new ArrayList<>();
        int ordinal = 0;
        for (long session : new long[] {1, 2}) {
            for (int i = 0; i < 4; i++) {
                keys.add(new Owner(session, Owner.SHARED, Owner.PROMPT, ordinal++));
            }
            for (int lane = 0; lane < 3; lane++) {
                keys.add(new Owner(session, lane, VisibilityRule.INSTRUCTION, ordinal++));
                for (int step = 0; step < 3; step++) {
                    keys.add(new Owner(session, lane, step, ordinal++));
                }
            }
        }
        Owner[] all = keys.toArray(new Owner[0]);
        float[] mask = op.build(all, all, all.length);
        int crossVisible = 0;
        int sameVisible = 0;
        for (int q = 0; q < all.length; q++) {
            for (int k = 0; k < all.length; k++) {
                boolean visible = mask[q * all.length + k] == 0f;
                if (all[q].session() != all[k].session()) {
                    crossVisible += visible ? 1 : 0;
                } else {
                    sameVisible += visible ? 1 : 0;
                }
            }
        }
        assertThat(crossVisible).isZero();
        assertThat(sameVisible).isGreaterThan(all.length); // and within a session, more than the diagonal
        assertThatThrownBy(() -> op.build(new Owner[] {new Owner(3, 0, 0, 0)}, all, all.length))
                .hasMessageContaining("the batch carries no visibility rule for session 3");
    }
}
