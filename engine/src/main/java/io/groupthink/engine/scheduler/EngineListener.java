package io.groupthink.engine.scheduler;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;

/**
 * Observability hooks. They run off the engine thread, in order per session (onStep in engine
 * order on its own lane); one that throws is logged and harms no session.
 */
public interface EngineListener {

    /** A forward pass ran: rows in the batch, sessions in it, its wall time. */
    default void onStep(int rows, int sessions, double millis) {}

    /** A session was admitted after waiting {@code queueMillis}. */
    default void onAdmitted(GroupThinkSession session, double queueMillis) {}

    default void onCompleted(GroupThinkSession session, GroupThinkResult result) {}

    /** A session failed, or was cancelled while still queued (a CancellationException). */
    default void onFailed(GroupThinkSession session, Throwable error) {}

    /** A session was refused: queue full, waited too long, or larger than the whole KV budget. */
    default void onRejected(GroupThinkSession session, Throwable reason) {}
}
