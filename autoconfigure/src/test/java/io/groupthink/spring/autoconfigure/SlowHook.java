package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.groupthink.StepHook;

/** Slows its session by {@code millis} per lane per token (on the pool thread its hook runs on), to make sessions outlast a limit. */
public record SlowHook(long millis) implements StepHook {

    @Override
    public void logits(int lane, int index, float[] logits) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
