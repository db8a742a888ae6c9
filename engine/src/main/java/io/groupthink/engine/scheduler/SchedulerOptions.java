package io.groupthink.engine.scheduler;

import java.time.Duration;

/**
 * Limits of the engine loop.
 *
 * @param kvTokens          KV budget in tokens, shared by all sessions (bytes = tokens x bytes per token)
 * @param maxQueue          sessions that may wait for room; one more is rejected at once
 * @param queueTimeout      how long a session may wait for room before it is rejected
 * @param prefillTokensPerStep prompt tokens of new sessions that may join one step (at least one
 *                          session always may), so arrivals do not stall running sessions for long
 */
public record SchedulerOptions(int kvTokens, int maxQueue, Duration queueTimeout, int prefillTokensPerStep) {

    public static final SchedulerOptions DEFAULT = new SchedulerOptions(16384, 64, Duration.ofSeconds(30), 512);

    public SchedulerOptions {
        if (kvTokens <= 0) {
            throw new IllegalArgumentException("kvTokens must be positive, got " + kvTokens);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        }
        if (queueTimeout == null || queueTimeout.isNegative()) {
            throw new IllegalArgumentException("queueTimeout must be >= 0");
        }
        if (prefillTokensPerStep <= 0) {
            throw new IllegalArgumentException("prefillTokensPerStep must be positive");
        }
    }
}
