package io.groupthink.eval.sandbox;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Compiles generated Java in memory and runs a check over it in a {@link SandboxClassLoader}, on a
 * dedicated daemon thread, with a time limit. Every failure (compile error, exception, refused
 * class, time-out) is an {@link Outcome}, never an exception thrown at the caller.
 *
 * <p>The entry point is a {@code public static String check()} method of a (trusted) check class
 * compiled together with the generated code: it returns {@code null} when every assertion holds
 * and a short description of the first failed one otherwise.
 *
 * <p>See {@link SandboxClassLoader} for what is refused and for the threat model.
 */
public final class JavaSandbox {

    /** How a check ended. */
    public enum Status { PASSED, FAILED, COMPILE_ERROR, REFUSED, TIMEOUT, ERROR }

    /** @param detail the failed assertion, compiler message, refused classes or exception */
    public record Outcome(Status status, String detail, long millis) {
        public boolean passed() {
            return status == Status.PASSED;
        }
    }

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final AtomicInteger ABANDONED = new AtomicInteger();

    private final InMemoryCompiler compiler = new InMemoryCompiler();
    private final Duration timeLimit;

    public JavaSandbox(Duration timeLimit) {
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("time limit must be positive, got " + timeLimit);
        }
        this.timeLimit = timeLimit;
    }

    public Duration timeLimit() {
        return timeLimit;
    }

    public boolean compilerAvailable() {
        return compiler.available();
    }

    /** Threads that ignored {@link Thread#stop()} (or ran on a JDK without it) and were left running. */
    public static int abandonedThreads() {
        return ABANDONED.get();
    }

    /**
     * Compiles {@code sources} (class name to text) and runs {@code entryClass.check()}.
     */
    public Outcome run(Map<String, String> sources, String entryClass) {
        long t0 = System.nanoTime();
        InMemoryCompiler.Result compiled = compiler.compile(sources);
        if (!compiled.ok()) {
            String first = compiled.diagnostics().isEmpty() ? "compilation failed" : compiled.diagnostics().get(0);
            return new Outcome(Status.COMPILE_ERROR, first, millisSince(t0));
        }
        SandboxClassLoader loader = new SandboxClassLoader(compiled.classes());
        AtomicReference<Outcome> result = new AtomicReference<>();
        Runnable body = () -> {
            long start = System.nanoTime();
            try {
                Class<?> c = Class.forName(entryClass, true, loader);
                Method check = c.getMethod("check");
                Object message = check.invoke(null);
                result.set(message == null ? new Outcome(Status.PASSED, "", millisSince(start))
                        : new Outcome(Status.FAILED, message.toString(), millisSince(start)));
            } catch (InvocationTargetException e) {
                result.set(failure(loader, e.getCause(), start));
            } catch (Throwable e) { // linkage errors of a refused class land here too
                result.set(failure(loader, e, start));
            }
        };
        Thread worker = new Thread(null, body, "groupthink-sandbox-" + THREADS.incrementAndGet(), 16L << 20);
        worker.setDaemon(true);
        worker.setContextClassLoader(loader);
        worker.start();
        try {
            worker.join(timeLimit.toMillis());
        } catch (InterruptedException e) {
            Threads.kill(worker);
            Thread.currentThread().interrupt();
            return new Outcome(Status.ERROR, "interrupted", millisSince(t0));
        }
        if (worker.isAlive()) {
            if (!Threads.kill(worker)) {
                ABANDONED.incrementAndGet();
            }
            return new Outcome(Status.TIMEOUT, "killed after " + timeLimit.toMillis() + " ms", millisSince(t0));
        }
        Outcome o = result.get();
        return o != null ? o : new Outcome(Status.ERROR, "check ended without a result", millisSince(t0));
    }

    private static Outcome failure(SandboxClassLoader loader, Throwable e, long start) {
        List<String> refused = loader.refused();
        if (!refused.isEmpty()) {
            return new Outcome(Status.REFUSED, "refused: " + String.join(", ", refused), millisSince(start));
        }
        return new Outcome(Status.ERROR, String.valueOf(e), millisSince(start));
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
