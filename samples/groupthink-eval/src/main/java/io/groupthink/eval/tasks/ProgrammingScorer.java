package io.groupthink.eval.tasks;

import io.groupthink.eval.sandbox.JavaSandbox;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Coverage of a programming specification: the fraction of its components (methods) that the
 * joint output implements correctly.
 *
 * <p>For each component, every complete definition of that method name in any thinker's text is a
 * candidate ({@link CodeExtractor}; lane order, then order of appearance; the first
 * {@value #MAX_CANDIDATES} distinct ones are tried). A candidate is compiled in memory as
 * {@code public static} in a class {@code Solution} (with {@code java.util.*},
 * {@code java.util.function.*} and {@code java.util.stream.*} imported) together with the
 * component's check, and the check runs in the {@link JavaSandbox} under its time limit. If the
 * candidate alone does not compile, it is tried once more with the helper methods its thinker
 * defined (other method names, not components). The component counts when any candidate
 * compiles and passes; compile errors, exceptions, refused classes and time-outs are failures.
 *
 * <p>Outcomes are memoised by source text, so scoring every decoding step only compiles a
 * definition once, when its closing brace first appears.
 */
public final class ProgrammingScorer implements Scorer {

    static final int MAX_CANDIDATES = 4;
    private static final String IMPORTS = "import java.util.*;\nimport java.util.function.*;\nimport java.util.stream.*;\n";

    private final ProgrammingSpec spec;
    private final JavaSandbox sandbox;
    private final Map<String, JavaSandbox.Outcome> memo = new ConcurrentHashMap<>();

    public ProgrammingScorer(ProgrammingSpec spec, JavaSandbox sandbox) {
        this.spec = spec;
        this.sandbox = sandbox;
    }

    public ProgrammingSpec spec() {
        return spec;
    }

    @Override
    public double score(List<String> lanes) {
        int passed = 0;
        for (ProgrammingSpec.Component c : spec.components()) {
            if (passes(c, lanes)) {
                passed++;
            }
        }
        return (double) passed / spec.components().size();
    }

    /** The names of the components the joint output implements correctly. */
    public Set<String> passing(List<String> lanes) {
        Set<String> out = new LinkedHashSet<>();
        for (ProgrammingSpec.Component c : spec.components()) {
            if (passes(c, lanes)) {
                out.add(c.name());
            }
        }
        return out;
    }

    /** The outcome of every candidate of {@code component}, in the order tried (for reports and tests). */
    public List<JavaSandbox.Outcome> outcomes(String component, List<String> lanes) {
        ProgrammingSpec.Component c = spec.components().stream().filter(x -> x.name().equals(component))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no component " + component));
        List<JavaSandbox.Outcome> out = new ArrayList<>();
        for (Candidate candidate : candidates(c, lanes)) {
            out.add(evaluate(c, candidate));
        }
        return out;
    }

    private boolean passes(ProgrammingSpec.Component c, List<String> lanes) {
        for (Candidate candidate : candidates(c, lanes)) {
            if (evaluate(c, candidate).passed()) {
                return true;
            }
        }
        return false;
    }

    private record Candidate(String method, String helpers) {}

    private List<Candidate> candidates(ProgrammingSpec.Component c, List<String> lanes) {
        Set<String> exclude = new HashSet<>(spec.names());
        List<Candidate> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String lane : lanes) {
            List<CodeExtractor.Definition> defs = CodeExtractor.definitions(lane, c.name());
            if (defs.isEmpty()) {
                continue;
            }
            StringBuilder helpers = new StringBuilder();
            for (CodeExtractor.Definition h : CodeExtractor.helpers(lane, exclude)) {
                helpers.append(h.source()).append('\n');
            }
            for (CodeExtractor.Definition d : defs) {
                if (seen.add(d.source()) && out.size() < MAX_CANDIDATES) {
                    out.add(new Candidate(d.source(), helpers.toString()));
                }
            }
        }
        return out;
    }

    private JavaSandbox.Outcome evaluate(ProgrammingSpec.Component c, Candidate candidate) {
        JavaSandbox.Outcome alone = run(c, candidate.method());
        if (alone.status() != JavaSandbox.Status.COMPILE_ERROR || candidate.helpers().isEmpty()) {
            return alone;
        }
        return run(c, candidate.method() + "\n" + candidate.helpers());
    }

    private JavaSandbox.Outcome run(ProgrammingSpec.Component c, String methods) {
        String solution = IMPORTS + "public class Solution {\n" + methods + "\n}\n";
        String check = "public class Check {\n  public static String check() {\n" + c.check() + "\n    return null;\n  }\n}\n";
        return memo.computeIfAbsent(solution + "\u0000" + check,
                k -> sandbox.run(Map.of("Solution", solution, "Check", check), "Check"));
    }
}
