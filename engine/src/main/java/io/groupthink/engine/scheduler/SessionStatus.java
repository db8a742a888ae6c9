package io.groupthink.engine.scheduler;

/**
 * A session's lifecycle, the one place it is kept. WAITING until admitted; PREFILLING while its
 * prompt is stored chunk by chunk; DECODING while lanes sample; CHOOSING, between two passes,
 * while its StepHook looks at the logits off the engine thread (out of the batch, its cache
 * slots kept); then exactly one of the three terminal states.
 */
public enum SessionStatus {
    WAITING, PREFILLING, DECODING, CHOOSING, FINISHED, CANCELLED, FAILED;

    public boolean terminal() {
        return this == FINISHED || this == CANCELLED || this == FAILED;
    }

    public boolean running() {
        return this == PREFILLING || this == DECODING || this == CHOOSING;
    }
}
