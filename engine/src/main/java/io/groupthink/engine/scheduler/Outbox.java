package io.groupthink.engine.scheduler;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one session's user callbacks run: in order, on a pool thread, never on the engine thread.
 * The buffer is bounded: when a consumer falls {@code capacity} events behind, {@link #post}
 * refuses and the caller cancels the session; its last events (outcome) always get through. A
 * callback that throws (any Throwable) is reported to {@code onError} and the next event runs.
 */
final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final Executor executor;
    private final int capacity;
    private final Consumer<Throwable> onError;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by this
    private boolean draining; // guarded by this

    Outbox(Executor executor, int capacity, Consumer<Throwable> onError) {
        this.executor = executor;
        this.capacity = capacity;
        this.onError = onError;
    }

    /** Queues an event; false when the consumer is {@code capacity} events behind. */
    synchronized boolean post(Runnable event) {
        if (queue.size() >= capacity) {
            return false;
        }
        queue.add(event);
        schedule();
        return true;
    }

    /** Queues an event past the bound: the session's outcome. */
    synchronized void postFinal(Runnable event) {
        queue.add(event);
        schedule();
    }

    /** Drops the events not yet delivered: their consumer was cancelled for lagging, only the outcome still goes. */
    synchronized void discard() {
        queue.clear();
    }

    synchronized int backlog() {
        return queue.size();
    }

    private void schedule() {
        if (!draining) {
            draining = true;
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) { // the pool is gone (shut down): deliver on a thread of our own
                Thread t = new Thread(this::drain, "groupthink-events-late");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable t) { // user code: it ends its own session at most
                log.debug("session callback failed", t);
                try {
                    onError.accept(t);
                } catch (Throwable ignored) {
                    // nothing left to tell
                }
            }
        }
    }
}
