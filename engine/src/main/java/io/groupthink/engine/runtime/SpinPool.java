package io.groupthink.engine.runtime;

import java.util.concurrent.locks.LockSupport;

/**
 * A tiny fork-join for the kernel: the caller runs one part, helper threads the others. A decode
 * step issues about a hundred products back to back, each well under a millisecond, so waking a
 * parked pool thread per product (tens of microseconds each) costs more than the work. Helpers
 * spin briefly after each task and park only when the engine goes quiet.
 */
final class SpinPool {

    private static final long SPIN_NANOS = 2_000_000; // stay hot across the small ops between products

    private final Worker[] workers;

    SpinPool(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("groupthink-kernel-" + (i + 1));
            workers[i].start();
        }
    }

    int parallelism() {
        return workers.length + 1;
    }

    /** Runs {@code parts[0]} on the calling thread and the rest on the helpers; returns when all are done. */
    void invoke(Runnable[] parts) {
        int helpers = Math.min(parts.length - 1, workers.length);
        for (int i = 0; i < helpers; i++) {
            workers[i].submit(parts[i + 1]);
        }
        for (int i = helpers + 1; i < parts.length; i++) {
            parts[i].run(); // more parts than threads: the caller takes the surplus
        }
        parts[0].run();
        for (int i = 0; i < helpers; i++) {
            workers[i].await();
        }
    }

    private static final class Worker extends Thread {
        private volatile Runnable task;
        private volatile Throwable failure;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void submit(Runnable r) {
            failure = null;
            task = r;
            LockSupport.unpark(this);
        }

        void await() {
            while (task != null) {
                Thread.onSpinWait();
            }
            Throwable f = failure;
            if (f != null) {
                throw new IllegalStateException("kernel worker failed", f);
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Runnable t = task;
                if (t != null) {
                    try {
                        t.run();
                    } catch (Throwable e) {
                        failure = e;
                    }
                    task = null;
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 10_000_000);
                }
            }
        }
    }
}
