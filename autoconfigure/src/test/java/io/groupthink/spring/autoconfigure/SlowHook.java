package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.groupthink.StepHook;

/** Slows the engine thread down by {@code millis} per lane per token, to make sessions outlast a limit. */
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
