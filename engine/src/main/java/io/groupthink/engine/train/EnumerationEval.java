package io.groupthink.engine.train;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Coverage of the trained task through the engine's real decoding path: mean coverage after each
 * decoding step over seeded runs (seed s asks a trained category and seeds the sampler).
 */
public final class EnumerationEval {

    /** The demo's sampling: temperature 0.7, top-p 0.95. */
    public static final double TEMPERATURE = 0.7;
    public static final double TOP_P = 0.95;

    private EnumerationEval() {}

    /** Mean coverage after steps 0..steps (a finished run keeps its last value). */
    public record Curve(Mode mode, int thinkers, int runs, double[] coverage) {

        /** First step whose mean coverage reaches {@code level}, or -1. */
        public int stepsTo(double level) {
            for (int s = 0; s < coverage.length; s++) {
                if (coverage[s] >= level - 1e-9) {
                    return s;
                }
            }
            return -1;
        }

        public String label() {
            return mode == Mode.COT ? "CoT" : (mode == Mode.GROUP_THINK ? "Group Think" : "Independent") + " N=" + thinkers;
        }
    }

    /** The category seed s asks: one of those the shipped recipe trains on. */
    public static String category(long seed) {
        List<String> names = EnumerationTask.categoryNames().subList(0, Trainer.Config.shipped().categories());
        return names.get((int) Math.floorMod(seed, (long) names.size()));
    }

    public static GroupThinkRequest request(Mode mode, int thinkers, long seed, int budget) {
        return GroupThinkRequest.builder(EnumerationTask.question(category(seed))).mode(mode).thinkers(thinkers)
                .maxTokens(budget).sampling(SamplingOptions.sampled(TEMPERATURE, TOP_P, seed)).build();
    }

    /** Runs every seed through {@link GroupThinkModel#run} (one batch for all) and averages. */
    public static Curve run(GroupThinkModel model, Mode mode, int thinkers, List<Long> seeds, int steps) {
        return run(model, mode, thinkers, seeds, steps, sessions -> model.run(sessions));
    }

    /** The same with a caller's driver for the sessions (tests run a mutated mask this way). */
    public static Curve run(GroupThinkModel model, Mode mode, int thinkers, List<Long> seeds, int steps,
            Function<List<GroupThinkSession>, List<GroupThinkResult>> driver) {
        List<GroupThinkSession> sessions = new ArrayList<>();
        for (long seed : seeds) {
            sessions.add(model.newSession(request(mode, thinkers, seed, EnumerationTask.ITEMS + 4), null, null));
        }
        List<GroupThinkResult> results = driver.apply(sessions);
        double[] mean = new double[steps + 1];
        for (int i = 0; i < results.size(); i++) {
            double[] c = byStep(results.get(i), category(seeds.get(i)), model.tokenizer(), steps);
            for (int s = 0; s <= steps; s++) {
                mean[s] += c[s] / results.size();
            }
        }
        return new Curve(mode, thinkers, results.size(), mean);
    }

    /**
     * Coverage after each step 0..steps: distinct items of the category among every thinker's
     * first s tokens, over {@link EnumerationTask#ITEMS}. Thinkers advance one token per step.
     */
    public static double[] byStep(GroupThinkResult r, String category, Tokenizer tokenizer, int steps) {
        List<String> items = EnumerationTask.items(category);
        double[] out = new double[steps + 1];
        Set<String> named = new HashSet<>();
        for (int s = 1; s <= steps; s++) {
            for (GroupThinkResult.ThinkerResult t : r.thinkers()) {
                if (s <= t.tokens().length) {
                    String w = tokenizer.decodeText(new int[] {t.tokens()[s - 1]}).trim().toLowerCase(Locale.ROOT);
                    w = w.endsWith(",") ? w.substring(0, w.length() - 1) : w;
                    if (items.contains(w)) {
                        named.add(w);
                    }
                }
            }
            out[s] = named.size() / (double) EnumerationTask.ITEMS;
        }
        return out;
    }

    /** The configurations the model card reports: CoT, then Independent and Group Think at N = 2, 4, 8. */
    public static List<Curve> all(GroupThinkModel model, List<Long> seeds, int steps) {
        List<Curve> out = new ArrayList<>();
        out.add(run(model, Mode.COT, 1, seeds, steps));
        for (int n : new int[] {2, 4, 8}) {
            out.add(run(model, Mode.INDEPENDENT, n, seeds, steps));
            out.add(run(model, Mode.GROUP_THINK, n, seeds, steps));
        }
        return out;
    }

    /**
     * A markdown table of the curves (coverage at steps 1..12, steps to 90% and 100%) and the
     * issue's acceptance checks at N = 4, each marked met or not.
     */
    public static String report(List<Curve> curves) {
        StringBuilder sb = new StringBuilder("| configuration | runs |");
        int shown = Math.min(12, curves.get(0).coverage().length - 1);
        for (int s = 1; s <= shown; s++) {
            sb.append(" @").append(s).append(" |");
        }
        sb.append(" steps to 90% | steps to 100% |\n|---|---:|");
        sb.append("---:|".repeat(shown)).append("---:|---:|\n");
        for (Curve c : curves) {
            sb.append("| ").append(c.label()).append(" | ").append(c.runs()).append(" |");
            for (int s = 1; s <= shown; s++) {
                sb.append(String.format(Locale.ROOT, " %.2f |", c.coverage()[s]));
            }
            sb.append(' ').append(cell(c.stepsTo(0.9))).append(" | ").append(cell(c.stepsTo(1.0))).append(" |\n");
        }
        Curve cot = find(curves, Mode.COT, 1);
        Curve group = find(curves, Mode.GROUP_THINK, 4);
        Curve independent = find(curves, Mode.INDEPENDENT, 4);
        if (cot != null && group != null && independent != null) {
            int g = group.stepsTo(0.9);
            int c = cot.stepsTo(0.9);
            sb.append('\n');
            if (g < 0 || c < 0) {
                sb.append("- Group Think N=4 or CoT never reaches 90% coverage: NOT MET\n");
            } else {
                double ratio = g / (double) c;
                double lead = group.coverage()[g] - independent.coverage()[g];
                sb.append(String.format(Locale.ROOT, "- Group Think N=4 reaches 90%% at step %d, CoT at step %d: "
                        + "%.2fx CoT's steps (goal <= 0.40x): %s%n", g, c, ratio, ratio <= 0.4 ? "met" : "NOT MET"));
                sb.append(String.format(Locale.ROOT, "- at step %d Group Think N=4 covers %.2f, Independent N=4 "
                        + "%.2f: lead %.1f points (goal >= 15): %s%n", g, group.coverage()[g],
                        independent.coverage()[g], lead * 100, lead >= 0.15 ? "met" : "NOT MET"));
            }
        }
        return sb.toString();
    }

    private static String cell(int steps) {
        return steps < 0 ? "—" : Integer.toString(steps);
    }

    private static Curve find(List<Curve> curves, Mode mode, int n) {
        return curves.stream().filter(c -> c.mode() == mode && c.thinkers() == n).findFirst().orElse(null);
    }
}
