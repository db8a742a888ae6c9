package io.groupthink.engine.groupthink;

import io.groupthink.engine.runtime.Owner;

/**
 * One token a session stored in the KV cache, for a trace: with the owners and the session's
 * visibility rule, an outside implementation can rebuild the attention of any pass.
 *
 * @param id       the token id
 * @param position its RoPE position
 * @param owner    session, lane ({@link Owner#SHARED} for the shared prompt), step (the decode step that
 *                 fed it; {@link VisibilityRule#INSTRUCTION} or {@link VisibilityRule#HEADER} for a
 *                 lane's prompt part) and arrival ordinal
 * @param pass     the session's forward pass (0-based) in which it entered the cache; pass p's
 *                 queries attend only tokens with {@code pass <= p}
 */
public record StoredToken(int id, int position, Owner owner, int pass) {

    /** "prompt", "instructions", "header" or "lane" (a generated or fed token of a lane). */
    public String kind() {
        if (owner.isSharedPrompt()) {
            return "prompt";
        }
        if (owner.step() == VisibilityRule.INSTRUCTION) {
            return "instructions";
        }
        return owner.step() == VisibilityRule.HEADER ? "header" : "lane";
    }
}
