package io.groupthink.engine.groupthink;

import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.runtime.Visibility;

/**
 * The Group Think visibility rule. A query (s, n, k) may attend a key (s', m, j) iff s = s' and:
 * <ul>
 *   <li>the key is shared prompt (causal within the prompt), or</li>
 *   <li>m = n: its own instructions, header and tokens, causally, or</li>
 *   <li>GROUP_THINK only: m != n, the query is a generated token and the key is m's generated
 *       token with j <= k (same-step tokens included) or m's header; m's private instructions
 *       only when {@code othersSeeInstructions}.</li>
 * </ul>
 * The synthesis lane reads every thinker's header and tokens. INDEPENDENT and COT drop the third
 * line. Tokens of different sessions never see each other.
 */
public record VisibilityRule(Mode mode, int synthesisLane, boolean othersSeeInstructions) implements Visibility {

    /** Step value of a lane's private instruction tokens (id, role). */
    public static final int INSTRUCTION = -2;
    /** Step value of a lane's header (its label). */
    public static final int HEADER = Owner.PROMPT;

    @Override
    public boolean sees(Owner q, Owner k) {
        if (q.session() != k.session()) {
            return false;
        }
        if (k.isSharedPrompt() || k.lane() == q.lane()) {
            return k.ordinal() <= q.ordinal();
        }
        if (q.lane() == synthesisLane) {
            return k.step() != INSTRUCTION || othersSeeInstructions;
        }
        if (mode != Mode.GROUP_THINK || !q.isGenerated()) {
            return false;
        }
        if (k.isGenerated()) {
            return k.step() <= q.step();
        }
        return k.step() == HEADER || othersSeeInstructions;
    }
}
