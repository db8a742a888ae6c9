package io.groupthink.eval.sandbox;

/**
 * Stopping a thread that runs generated code.
 *
 * <p>Generated code that loops forever never reaches a point where it would notice an interrupt,
 * and the sandbox refuses it {@code java.lang.Thread}, so it cannot even ask. The only way to end
 * it inside this JVM is {@link Thread#stop()}, which throws {@link ThreadDeath} into the thread
 * wherever it is. {@code stop()} is deprecated because it can leave shared objects half-updated;
 * here the stopped thread only touches objects of its own sandbox, which are dropped with it, so
 * that danger does not apply. JDK 17 still implements it (JDK 20 and later throw
 * {@link UnsupportedOperationException}); on such a JDK, or if the code swallows
 * {@code ThreadDeath}, the daemon thread is left running at minimum priority and counted in
 * {@link JavaSandbox#abandonedThreads()}.
 */
final class Threads {

    private static final long GRACE_MILLIS = 1000;

    private Threads() {}

    /** Interrupts, then stops {@code t}; returns whether it ended. */
    @SuppressWarnings({"deprecation", "removal"})
    static boolean kill(Thread t) {
        t.interrupt();
        try {
            t.stop();
        } catch (UnsupportedOperationException | SecurityException e) {
            t.setPriority(Thread.MIN_PRIORITY);
            return false;
        }
        try {
            t.join(GRACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            t.setPriority(Thread.MIN_PRIORITY);
            return false;
        }
        return true;
    }
}
