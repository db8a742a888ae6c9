package io.groupthink.eval.tasks;

import io.groupthink.eval.sandbox.JavaSandbox;
import java.time.Duration;

/**
 * Write a specification's static methods in Java. Seed s picks built-in specification
 * {@code (s - 1) mod 3} ({@link ProgrammingSpec#BUILT_IN}); scoring compiles and checks each
 * method in the sandbox ({@link ProgrammingScorer}).
 */
public final class ProgrammingTask implements Task {

    public static final String NAME = "programming";
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(1);

    private final JavaSandbox sandbox;

    public ProgrammingTask() {
        this(new JavaSandbox(DEFAULT_TIME_LIMIT));
    }

    public ProgrammingTask(JavaSandbox sandbox) {
        this.sandbox = sandbox;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TaskInstance instance(long seed) {
        int count = ProgrammingSpec.BUILT_IN.size();
        ProgrammingSpec spec = ProgrammingSpec.BUILT_IN.get((int) Math.floorMod(seed - 1, (long) count));
        return new TaskInstance(NAME, seed, spec.id(), question(spec), new ProgrammingScorer(spec, sandbox));
    }

    /** The prompt: every method's signature and contract, and the answer format. */
    public static String question(ProgrammingSpec spec) {
        StringBuilder sb = new StringBuilder("Write these Java 17 static methods (no class, no I/O):\n");
        int i = 1;
        for (ProgrammingSpec.Component c : spec.components()) {
            sb.append(i++).append(". static ").append(c.signature()).append(": ").append(c.doc()).append('\n');
        }
        return sb.append("Give each method as complete Java code.").toString();
    }
}
