package io.groupthink.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurvesTest {

    private static RunResult run(String mode, int n, long seed, double... coverage) {
        List<RunResult.StepPoint> points = new ArrayList<>();
        for (int s = 0; s < coverage.length; s++) {
            points.add(new RunResult.StepPoint(s, s * 10.0, coverage[s], n * s, 10 + n * s));
        }
        return new RunResult("enumeration", seed, "fruits", mode, Strategy.PLAIN, n, 8, "q", points, List.of(),
                List.of(), coverage.length - 1, coverage.length * 10.0, 10 + n * (coverage.length - 1), 0, 1024, 0);
    }

    /** A run in rounds: tokens grow by {@code perStep} a step, K/V as given. */
    private static RunResult rounds(String mode, int n, long seed, int bound, int[] kv, double... coverage) {
        List<RunResult.StepPoint> points = new ArrayList<>();
        for (int s = 0; s < coverage.length; s++) {
            points.add(new RunResult.StepPoint(s, s * 10.0, coverage[s], 3 * s, kv[s]));
        }
        int peak = java.util.Arrays.stream(kv).max().orElse(0);
        return new RunResult("enumeration", seed, "fruits", mode, Strategy.ROUNDS, n, 8, "q", points, List.of(),
                List.of("s"), coverage.length - 1, coverage.length * 10.0, peak, bound, 1 << 20, 1);
    }

    @Test
    void meansAcrossSeedsCarryShortRunsForward() {
        List<Curves.Curve> curves = Curves.of(List.of(run("group", 2, 1, 0, 0.5, 1.0), run("group", 2, 2, 0, 0.5)));
        assertThat(curves).hasSize(1);
        Curves.Curve c = curves.get(0);
        assertThat(c.coverage()).containsExactly(new double[] {0, 0.5, 0.75}, within(1e-9));
        assertThat(c.wallMs()[2]).isCloseTo(15.0, within(1e-9));
        assertThat(c.runs()).isEqualTo(2);
        assertThat(c.stepsTo(0.5)).isEqualTo(1);
        assertThat(c.stepsTo(1.0)).isEqualTo(-1);
        assertThat(c.label()).isEqualTo("group N=2");
    }

    @Test
    void summaryReportsStepsAndSpeedUpOverCot() {
        List<RunResult> runs = List.of(run("cot", 1, 1, 0, 0.25, 0.5, 0.75, 1.0), run("group", 4, 1, 0, 0.5, 1.0),
                run("independent", 4, 1, 0, 0.25, 0.25));
        List<Curves.Curve> curves = Curves.of(runs);
        String md = SummaryReport.render(List.of("model: test"), runs, curves);
        assertThat(md).contains("## enumeration", "fruits (seed 1)", "- model: test");
        assertThat(md).contains("| cot | 1 | 1 | 1.00 | 2 (20 ms) | 4 (40 ms) | 1.00× | 1.00× | 2 | 4 | 14 slots");
        assertThat(md).contains("| group | 4 | 1 | 1.00 | 1 (10 ms) | 2 (20 ms) | 2.00× | 2.00× | 4 | 8 | 18 slots");
        assertThat(md).contains("| independent | 4 | 1 | 0.25 | — | — | — | — | — | — | 18 slots");
    }

    @Test
    void roundsAreTheirOwnCurveWithTokensAndKv() {
        List<RunResult> runs = List.of(run("cot", 1, 1, 0, 0.25, 0.5, 0.75, 1.0), run("group", 2, 1, 0, 0.5, 0.5),
                rounds("group", 2, 1, 6, new int[] {0, 5, 6, 2, 4}, 0, 0.25, 0.5, 0.5, 1.0),
                rounds("group", 2, 2, 6, new int[] {0, 3, 6}, 0, 0.25, 0.5));
        List<Curves.Curve> curves = Curves.of(runs);
        assertThat(curves).extracting(Curves.Curve::label).containsExactly("cot N=1", "group N=2", "group rounds N=2");
        Curves.Curve r = curves.get(2);
        assertThat(r.runs()).isEqualTo(2);
        // the shorter run keeps its last tokens and K/V for the later steps
        assertThat(r.tokens()).containsExactly(new double[] {0, 3, 6, 7.5, 9}, within(1e-9));
        assertThat(r.kvTokens()).containsExactly(new double[] {0, 4, 6, 4, 5}, within(1e-9));
        assertThat(r.peakKvTokens()).isEqualTo(6);
        assertThat(r.kvBound()).isEqualTo(6);
        String md = SummaryReport.render(List.of("model: test"), runs, curves);
        // speed-up against plain cot; tokens to 50% at step 2 (6), to 100% at step 4 (mean 9); K/V with its bound
        assertThat(md).contains("| group in rounds | 2 | 2 | 0.75 | 2 (20 ms) | — | 1.00× | — | 6 | — "
                + "| 6 slots (6.0 MiB), bound 6 |");
        assertThat(md).contains(
                "| group | 2 | 1 | 0.50 | 1 (10 ms) | — | 2.00× | — | 2 | — | 14 slots (0.0 MiB) |");
    }
}
