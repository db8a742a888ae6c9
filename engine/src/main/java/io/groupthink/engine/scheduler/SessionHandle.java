package io.groupthink.engine.scheduler;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** A submitted session: its status, its result, and a way to cancel it. */
public final class SessionHandle {

    private final GroupThinkSession session;
    private final CompletableFuture<GroupThinkResult> result = new CompletableFuture<>();
    private final Scheduler scheduler;
    final Outbox outbox;
    final long enqueuedNanos;
    long deadlineNanos; // engine thread after submit
    int kvGranted; // engine thread

    SessionHandle(GroupThinkSession session, Scheduler scheduler, Outbox outbox, long enqueuedNanos,
            long deadlineNanos) {
        this.session = session;
        this.scheduler = scheduler;
        this.outbox = outbox;
        this.enqueuedNanos = enqueuedNanos;
        this.deadlineNanos = deadlineNanos;
    }

    public GroupThinkSession session() {
        return session;
    }

    public long id() {
        return session.id();
    }

    public SessionStatus status() {
        return session.status();
    }

    /**
     * Completes with the result (partial, lanes CANCELLED, after a cancel), or exceptionally with
     * the cause of a failure. Completed off the engine thread, before the session's listeners hear
     * the outcome, so dependants may block without stalling the engine.
     */
    public CompletableFuture<GroupThinkResult> result() {
        return result;
    }

    /**
     * Waits for the result. An interrupt while waiting cancels the session and is re-asserted
     * on the thread.
     */
    public GroupThinkResult await() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for session " + id(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /**
     * Cancels: a queued session is dropped, a running one stops at the next step and its KV
     * memory is freed then. Idempotent.
     */
    public void cancel() {
        session.cancel();
        scheduler.wake();
    }

    /** Events waiting for this session's listener. */
    public int backlog() {
        return outbox.backlog();
    }

    CompletableFuture<GroupThinkResult> future() {
        return result;
    }
}
