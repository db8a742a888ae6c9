package io.groupthink.engine.groupthink;

/**
 * Looks at (and may override) each lane's choice. For tests, evaluation and instrumentation;
 * the default does nothing.
 *
 * <p>A hook is user code, so it never runs on the engine thread: after each forward pass a hooked
 * session leaves the batch, its hook runs on a pool thread for each lane in turn, and the session
 * comes back at the next step once it returns. A slow hook slows only its own session; one that
 * throws fails it. Calls for one session never overlap and follow each other in step order, each
 * seeing what the previous one did; different sessions' calls run at the same time, so one hook
 * shared by several sessions must be thread-safe.
 */
public interface StepHook {

    StepHook NONE = new StepHook() {};

    /** The logits from which lane's token number {@code index} is chosen. */
    default void logits(int lane, int index, float[] logits) {}

    /** Returns the token to use instead of {@code sampled} (return {@code sampled} to keep it). */
    default int override(int lane, int index, int sampled) {
        return sampled;
    }
}
