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
            points.add(new RunResult.StepPoint(s, s * 10.0, coverage[s]));
        }
        return new RunResult("enumeration", seed, "fruits", mode, n, 8, "q", points, List.of(), coverage.length - 1,
                coverage.length * 10.0);
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
        assertThat(md).contains("| cot | 1 | 1 | 1.00 | 2 (20 ms) | 4 (40 ms) | 1.00× | 1.00× |");
        assertThat(md).contains("| group | 4 | 1 | 1.00 | 1 (10 ms) | 2 (20 ms) | 2.00× | 2.00× |");
        assertThat(md).contains("| independent | 4 | 1 | 0.25 | — | — | — | — |");
    }
}
