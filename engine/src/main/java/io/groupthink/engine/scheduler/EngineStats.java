package io.groupthink.engine.scheduler;

/**
 * What the engine loop is doing, for metrics, health and the actuator endpoint.
 *
 * @param kvTokensInUse   slots holding tokens right now
 * @param kvTokensReserved slots reserved by admitted sessions (their worst case)
 * @param sharedPrefixTokens prompt tokens new sessions borrowed from running ones instead of computing
 * @param alive            the loop runs, accepts sessions and is not recovering from a fault (health)
 * @param faults           times the loop met an engine fault (each one failed the sessions it held)
 */
public record EngineStats(int queued, int activeSessions, int lastBatchRows, int kvTokensInUse, long kvBytesInUse,
        long kvTokensReserved, int kvTokensCapacity, long kvBytesCapacity, long steps, long submitted, long completed,
        long rejected, long failed, long sharedPrefixTokens, boolean alive, Throwable lastError, long faults) {}
