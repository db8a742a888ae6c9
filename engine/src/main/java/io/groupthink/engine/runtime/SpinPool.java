package io.groupthink.engine.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A tiny fork-join for the kernel, one per model: the caller and helper threads take the parts of
 * a product from a shared counter. A decode step issues about a hundred products back to back,
 * each well under a millisecond, so waking a parked thread per product (tens of microseconds)
 * costs more than the work: helpers spin after each product and park only when the engine goes
 * quiet.
 *
 * <p>Parts are claimed, never assigned: when another process holds a helper's core, the caller
 * runs the parts that helper has not started instead of waiting for it to be scheduled. A second
 * caller arriving while the pool is busy runs its parts itself; the pool never mixes two callers'
 * work. Closed with the model that owns it.
 */
final class SpinPool implements AutoCloseable {

    /**
     * How long a helper spins for the next product, and the caller for helpers to finish, before
     * parking: longer than any gap within a decode step (a large product's last chunk, the sampler
     * and scheduler between passes), as llama.cpp's threads also wait for work by polling. At 200 µs
     * helpers parked at a third of a step's products on a VM whose host took 20-35% of the CPU, and
     * waking them there took so long that a step ran at half speed (BENCHMARKS.md, ninth session).
     */
    private static final long SPIN_NANOS = 5_000_000;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Worker[] workers;
    private final ReentrantLock busy = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    SpinPool(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        int id = POOLS.incrementAndGet();
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("groupthink-kernel-" + id + "-" + (i + 1));
            workers[i].start();
        }
    }

    int parallelism() {
        return workers.length + 1;
    }

    /** The helper threads (for tests: they end after {@link #close()}). */
    java.util.List<Thread> helpers() {
        return java.util.List.of(workers);
    }

    /** Runs every part, on the calling thread and the helpers; returns when all are done. */
    void invoke(Runnable[] parts) {
        if (workers.length == 0 || closed || !busy.tryLock()) {
            for (Runnable p : parts) {
                p.run();
            }
            return;
        }
        try {
            Job j = new Job(parts, Thread.currentThread());
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            j.work();
            j.await();
            job = null;
            if (j.failure != null) {
                throw new IllegalStateException("kernel worker failed", j.failure);
            }
        } finally {
            busy.unlock();
        }
    }

    /** Stops the helpers; later products run on the caller alone. */
    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** One product's parts: claimed by index, counted when done. */
    private static final class Job {
        private final Runnable[] parts;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile boolean callerParked;
        private volatile Throwable failure;

        Job(Runnable[] parts, Thread caller) {
            this.parts = parts;
            this.caller = caller;
        }

        void work() {
            for (int i = next.getAndIncrement(); i < parts.length; i = next.getAndIncrement()) {
                try {
                    parts[i].run();
                } catch (Throwable e) {
                    failure = e;
                }
                if (done.incrementAndGet() == parts.length && Thread.currentThread() != caller && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Spins briefly for parts running on helpers, then parks until the last one wakes the caller. */
        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (done.get() < parts.length) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    callerParked = true;
                    if (done.get() < parts.length) {
                        LockSupport.parkNanos(this, 1_000_000);
                    }
                }
            }
        }
    }

    private final class Worker extends Thread {
        private volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            long idleSince = System.nanoTime();
            while (!closed) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    Job now = job;
                    if ((now == null || now == last) && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
