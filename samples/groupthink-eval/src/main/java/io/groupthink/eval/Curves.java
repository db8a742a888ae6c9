package io.groupthink.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean coverage across seeds against steps, one curve per (task, mode, N).
 *
 * <p>Runs end at different steps (a thinker may stop early); a finished run keeps its last
 * coverage and wall time for the later steps, so every curve is defined from step 0 to the
 * longest of its runs.
 */
public final class Curves {

    /**
     * @param coverage mean coverage at steps 0..last
     * @param wallMs   mean wall time at steps 0..last
     * @param runs     how many runs (seeds) were averaged
     */
    public record Curve(String task, String mode, int thinkers, double[] coverage, double[] wallMs, int runs) {

        public String label() {
            return mode + " N=" + thinkers;
        }

        public int lastStep() {
            return coverage.length - 1;
        }

        public double finalCoverage() {
            return coverage.length == 0 ? 0 : coverage[coverage.length - 1];
        }

        /** The first step whose mean coverage reaches {@code level} (within 1e-9), or -1. */
        public int stepsTo(double level) {
            for (int s = 0; s < coverage.length; s++) {
                if (coverage[s] >= level - 1e-9) {
                    return s;
                }
            }
            return -1;
        }
    }

    private Curves() {}

    /** Curves in the order their first run appears, grouped by task. */
    public static List<Curve> of(List<RunResult> runs) {
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : runs) {
            groups.computeIfAbsent(r.task() + "\u0000" + r.mode() + "\u0000" + r.thinkers(), k -> new ArrayList<>())
                    .add(r);
        }
        List<Curve> out = new ArrayList<>();
        for (List<RunResult> group : groups.values()) {
            out.add(mean(group));
        }
        List<String> taskOrder = runs.stream().map(RunResult::task).distinct().toList();
        out.sort(Comparator.comparingInt((Curve c) -> taskOrder.indexOf(c.task())));
        return out;
    }

    static Curve mean(List<RunResult> group) {
        int last = 0;
        for (RunResult r : group) {
            last = Math.max(last, r.points().get(r.points().size() - 1).step());
        }
        double[] coverage = new double[last + 1];
        double[] wall = new double[last + 1];
        for (RunResult r : group) {
            List<RunResult.StepPoint> p = r.points();
            int i = 0;
            for (int s = 0; s <= last; s++) {
                while (i + 1 < p.size() && p.get(i + 1).step() <= s) {
                    i++;
                }
                coverage[s] += p.get(i).coverage();
                wall[s] += p.get(i).wallMs();
            }
        }
        for (int s = 0; s <= last; s++) {
            coverage[s] /= group.size();
            wall[s] /= group.size();
        }
        RunResult first = group.get(0);
        return new Curve(first.task(), first.mode(), first.thinkers(), coverage, wall, group.size());
    }
}
