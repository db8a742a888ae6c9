package io.groupthink.engine.runtime;

/**
 * Who a token belongs to: the metadata from which every attention mask is derived.
 *
 * @param session the request; tokens of different sessions never see each other
 * @param lane    the thinker (0..N-1), a synthesis lane, or {@link #SHARED} for the shared prompt
 * @param step    the decoding step that produced it, or {@link #PROMPT} for prompt and per-lane suffix tokens
 * @param ordinal the token's place in its session's arrival order (causal order within the prompt)
 */
public record Owner(long session, int lane, int step, int ordinal) {

    public static final int SHARED = -1;
    public static final int PROMPT = -1;

    public boolean isSharedPrompt() {
        return lane == SHARED;
    }

    public boolean isGenerated() {
        return step >= 0;
    }
}
