package io.groupthink.engine.groupthink;

/**
 * Looks at (and may override) each lane's choice. For tests, evaluation and instrumentation;
 * the default does nothing.
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
