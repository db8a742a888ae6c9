package io.groupthink.engine.scheduler;

import java.time.Duration;

/**
 * Limits of the engine loop.
 *
 * @param kvTokens          KV budget in tokens, shared by all sessions (bytes = tokens x bytes per token)
 * @param maxQueue          sessions that may wait for room; one more is rejected at once
 * @param queueTimeout      how long a session may wait for room before it is rejected
 * @param prefillTokensPerStep prompt tokens computed per step across sessions; a longer prompt is
 *                          prefilled in chunks over several steps, so arrivals do not stall running
 *                          sessions for long
 * @param prefixSharing     a new session whose prompt starts with at least {@link #MIN_SHARED_PREFIX}
 *                          of a running session's prompt tokens borrows their K/V instead of
 *                          computing them again
 * @param eventBuffer       events a session's listener may fall behind the engine before the session
 *                          is cancelled as a slow consumer ({@link SlowConsumerException})
 */
public record SchedulerOptions(int kvTokens, int maxQueue, Duration queueTimeout, int prefillTokensPerStep,
        boolean prefixSharing, int eventBuffer) {

    public static final int DEFAULT_EVENT_BUFFER = 4096;

    /** Shorter common prefixes are computed again: lending them saves less than it costs to track. */
    public static final int MIN_SHARED_PREFIX = 16;

    public static final SchedulerOptions DEFAULT = new SchedulerOptions(16384, 64, Duration.ofSeconds(30), 512);

    /** With prefix sharing on. */
    public SchedulerOptions(int kvTokens, int maxQueue, Duration queueTimeout, int prefillTokensPerStep) {
        this(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, true);
    }

    /** With the default event buffer. */
    public SchedulerOptions(int kvTokens, int maxQueue, Duration queueTimeout, int prefillTokensPerStep,
            boolean prefixSharing) {
        this(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, prefixSharing, DEFAULT_EVENT_BUFFER);
    }

    public SchedulerOptions withPrefixSharing(boolean on) {
        return new SchedulerOptions(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, on, eventBuffer);
    }

    public SchedulerOptions withEventBuffer(int events) {
        return new SchedulerOptions(kvTokens, maxQueue, queueTimeout, prefillTokensPerStep, prefixSharing, events);
    }

    public SchedulerOptions withKvTokens(int tokens) {
        return new SchedulerOptions(tokens, maxQueue, queueTimeout, prefillTokensPerStep, prefixSharing, eventBuffer);
    }

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
        if (eventBuffer <= 0) {
            throw new IllegalArgumentException("eventBuffer must be positive, got " + eventBuffer);
        }
    }
}
