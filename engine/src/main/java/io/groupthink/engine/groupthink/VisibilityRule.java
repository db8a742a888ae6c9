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
 * line. Tokens of different sessions never see each other. A reasoning model's {@code <think>} tokens are
 * hidden from every other lane when the request says others see only visible text: the session stores
 * them with {@link #hidden(int)} steps.
 */
public record VisibilityRule(Mode mode, int synthesisLane, boolean othersSeeInstructions) implements Visibility {

    /** Step value of a lane's private instruction tokens (id, role). */
    public static final int INSTRUCTION = -2;
    /** Step value of a lane's header (its label). */
    public static final int HEADER = Owner.PROMPT;
    /** Steps at or below this mark a thinker's reasoning token that other lanes must not see. */
    private static final int HIDDEN = -1_000_000;

    /** The step value of a reasoning token generated at {@code step}, hidden from the other lanes. */
    public static int hidden(int step) {
        return HIDDEN - step;
    }

    /** The decoding step of a token, hidden or not; negative for prompt, header and instructions. */
    static int step(Owner o) {
        return o.step() <= HIDDEN ? HIDDEN - o.step() : o.step();
    }

    @Override
    public boolean sees(Owner q, Owner k) {
        if (q.session() != k.session()) {
            return false;
        }
        if (k.isSharedPrompt() || k.lane() == q.lane()) {
            return k.ordinal() <= q.ordinal();
        }
        if (k.step() <= HIDDEN) {
            return false; // another lane's reasoning, kept private
        }
        if (q.lane() == synthesisLane) {
            return k.step() != INSTRUCTION || othersSeeInstructions;
        }
        if (mode != Mode.GROUP_THINK || step(q) < 0) {
            return false;
        }
        if (k.isGenerated()) {
            return k.step() <= step(q);
        }
        return k.step() == HEADER || othersSeeInstructions;
    }
}
