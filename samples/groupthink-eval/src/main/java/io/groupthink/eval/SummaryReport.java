package io.groupthink.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * summary.md: per task, per (mode, strategy, N), the final mean coverage, the steps (and mean wall
 * time) to reach 50% and 100% mean coverage, the speed-up over (plain) CoT in steps
 * ({@code CoT steps / steps}; "—" when either never gets there or CoT was not run), the mean
 * tokens generated (summaries included) to reach 50% and 100%, and the peak K/V slots held.
 */
public final class SummaryReport {

    public static final double[] LEVELS = {0.5, 1.0};

    private SummaryReport() {}

    /** @param header lines describing the run (model, budget, seeds, ...), written first */
    public static String render(List<String> header, List<RunResult> runs, List<Curves.Curve> curves) {
        StringBuilder sb = new StringBuilder("# Group Think evaluation\n\n");
        for (String h : header) {
            sb.append("- ").append(h).append('\n');
        }
        sb.append("\nLatency is in decoding steps (tokens per thinker; step 1 comes out of the prefill pass), "
                + "mean wall time in brackets. \"Steps to X%\" is the first step at which the mean coverage "
                + "across seeds reaches X%. Speed-up = CoT steps / steps at that level (— when either never "
                + "reaches it). Tokens count every lane, summaries included. Peak K/V: the most slots a run "
                + "held at once (the largest across seeds; in rounds with one round's bound).\n");
        Map<String, List<Curves.Curve>> byTask = new LinkedHashMap<>();
        for (Curves.Curve c : curves) {
            byTask.computeIfAbsent(c.task(), k -> new java.util.ArrayList<>()).add(c);
        }
        for (Map.Entry<String, List<Curves.Curve>> e : byTask.entrySet()) {
            String task = e.getKey();
            String instances = runs.stream().filter(r -> r.task().equals(task))
                    .map(r -> r.instance() + " (seed " + r.seed() + ")").distinct().collect(Collectors.joining(", "));
            sb.append("\n## ").append(task).append("\n\nInstances: ").append(instances).append("\n\n");
            sb.append("| mode | N | runs | final coverage | steps to 50% | steps to 100% | speed-up vs CoT @50% "
                    + "| speed-up vs CoT @100% | tokens to 50% | tokens to 100% | peak K/V |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Curves.Curve cot = e.getValue().stream()
                    .filter(c -> c.mode().equals("cot") && c.strategy() == Strategy.PLAIN).findFirst().orElse(null);
            for (Curves.Curve c : e.getValue()) {
                String mode = c.strategy() == Strategy.PLAIN ? c.mode() : c.mode() + " in rounds";
                sb.append("| ").append(mode).append(" | ").append(c.thinkers()).append(" | ").append(c.runs())
                        .append(" | ").append(String.format(Locale.ROOT, "%.2f", c.finalCoverage()));
                for (double level : LEVELS) {
                    sb.append(" | ").append(stepsCell(c, level));
                }
                for (double level : LEVELS) {
                    sb.append(" | ").append(speedUp(cot, c, level));
                }
                for (double level : LEVELS) {
                    int s = c.stepsTo(level);
                    sb.append(" | ").append(s < 0 ? "—" : String.format(Locale.ROOT, "%.0f", c.tokens()[s]));
                }
                sb.append(" | ").append(kvCell(c)).append(" |\n");
            }
        }
        return sb.toString();
    }

    static String stepsCell(Curves.Curve c, double level) {
        int s = c.stepsTo(level);
        return s < 0 ? "—" : String.format(Locale.ROOT, "%d (%.0f ms)", s, c.wallMs()[s]);
    }

    /** "235 slots (2.6 MiB), bound 245" in rounds; without the bound for a plain run. */
    static String kvCell(Curves.Curve c) {
        String cell = String.format(Locale.ROOT, "%d slots (%.1f MiB)", c.peakKvTokens(),
                c.peakKvTokens() * (double) c.kvBytesPerToken() / (1 << 20));
        return c.kvBound() > 0 ? cell + ", bound " + c.kvBound() : cell;
    }

    static String speedUp(Curves.Curve cot, Curves.Curve c, double level) {
        if (cot == null) {
            return "—";
        }
        int mine = c.stepsTo(level);
        int base = cot.stepsTo(level);
        if (mine < 0 || base < 0) {
            return "—";
        }
        if (mine == 0) {
            return base == 0 ? "1.00×" : "∞";
        }
        return String.format(Locale.ROOT, "%.2f×", (double) base / mine);
    }
}
