package io.groupthink.eval.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FloydWarshallScorerTest {

    /** A fixed graph: A->B 1, B->C 2, C->D 3, D->E 4, E->A 5, A->C 9. */
    private static final Graph GRAPH = new Graph(new int[][] {
            {0, 1, 9, 0, 0},
            {0, 0, 2, 0, 0},
            {0, 0, 0, 3, 0},
            {0, 0, 0, 0, 4},
            {5, 0, 0, 0, 0}});
    private final int[][] d = GRAPH.distances();
    private final FloydWarshallScorer scorer = new FloydWarshallScorer(d);

    private static String l(int i) {
        return Graph.label(i);
    }

    private List<String> allLines(String format) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                if (i != j) {
                    lines.add(String.format(format, l(i), l(j), d[i][j]));
                }
            }
        }
        return lines;
    }

    @Test
    void floydWarshallIsRight() {
        assertThat(d[0][2]).isEqualTo(3); // A->B->C beats A->C 9
        assertThat(d[1][0]).isEqualTo(2 + 3 + 4 + 5);
        assertThat(d[4][3]).isEqualTo(5 + 1 + 2 + 3);
    }

    @Test
    void randomGraphsAreDeterministicAndStronglyConnected() {
        for (long seed = 1; seed <= 50; seed++) {
            Graph g = Graph.random(seed, 5);
            assertThat(g.weights()).isDeepEqualTo(Graph.random(seed, 5).weights());
            for (int[] row : g.distances()) {
                for (int v : row) {
                    assertThat(v).isGreaterThanOrEqualTo(0);
                }
            }
        }
        assertThat(java.util.Arrays.deepEquals(Graph.random(1, 5).weights(), Graph.random(2, 5).weights())).isFalse();
        assertThat(new FloydWarshallTask().instance(3).question()).contains("d(A,B) = 7").contains("->");
    }

    @Test
    void theAskedFormatScoresOne() {
        assertThat(scorer.score(List.of(String.join("\n", allLines("d(%s,%s) = %d"))))).isEqualTo(1.0);
    }

    @Test
    void tolerantVariantsAreRead() {
        for (String format : List.of("d(%s, %s)=%d", "D(%s,%s): %d", "dist(%s,%s) is %d", "%s->%s: %d",
                "%s → %s = %d", "%s-%s = %d", "d[%s][%s] = %d", "- %s to %s: %d", "1. d(%s,%s) = %d.",
                "d(%s,%s) = %d (via C)", "distance(%s,%s) = %d.0")) {
            assertThat(scorer.score(List.of(String.join("\n", allLines(format))))).as(format).isEqualTo(1.0);
        }
        assertThat(scorer.statements("d(A,B) = 1, d(A,C) = 3; d(A,D) = 6")).hasSize(3);
        assertThat(scorer.statements("The distance from A to C is 3.")).containsEntry(2, 3);
    }

    @Test
    void partialAnswersScoreTheirFraction() {
        List<String> lines = allLines("d(%s,%s) = %d");
        assertThat(scorer.score(List.of(String.join("\n", lines.subList(0, 5))))).isCloseTo(5 / 20.0, within(1e-9));
    }

    @Test
    void wrongValuesCountNothing() {
        assertThat(scorer.score(List.of("d(A,B) = 2\nd(A,C) = 9\nd(A,C) = 3"))).isCloseTo(1 / 20.0, within(1e-9));
    }

    @Test
    void malformedLinesCountNothing() {
        String text = """
                d(A,B) =
                d(A,) = 1
                d(A,F) = 3
                d(A,B) = one
                d(A,C) = 3.5
                d(A,C) = -3
                d(A,C) = 1 + 2 = 3
                A->B->C = 3
                A -> B -> C = 3
                d(a,c) = 3
                dAB = 1
                d(A,A) = 0
                """;
        assertThat(scorer.statements(text)).isEmpty();
        assertThat(scorer.score(List.of(text))).isZero();
    }

    @Test
    void matrixRowsAreRead() {
        StringBuilder sb = new StringBuilder("    A  B  C  D  E\n");
        for (int i = 0; i < 5; i++) {
            sb.append(l(i)).append(": ");
            for (int j = 0; j < 5; j++) {
                sb.append(d[i][j]).append(' ');
            }
            sb.append('\n');
        }
        assertThat(scorer.score(List.of(sb.toString()))).isEqualTo(1.0);
        String table = "| A | 0 | 1 | 3 | 6 | 10 |\n";
        assertThat(scorer.score(List.of(table))).isCloseTo(4 / 20.0, within(1e-9));
    }

    @Test
    void malformedMatricesCountNothing() {
        String text = """
                A: 0 1 3 6
                B: 13 0 2 5 9 11
                C | x | 1 | 0 | 3 | 7
                D: 0 1 ? 6 10
                E 1,2,,
                | | A | B | C | D | E |
                A B C D E
                """;
        assertThat(scorer.statements(text)).isEmpty();
        assertThat(scorer.score(List.of(text))).isZero();
        // a long digit run that fails must not hang the matcher
        assertThat(scorer.score(List.of("A: " + "1".repeat(5000) + "x"))).isZero();
    }

    @Test
    void laterStatementsOfAThinkerOverrideEarlierOnes() {
        assertThat(scorer.score(List.of("d(A,C) = 9\nafter k=B:\nd(A,C) = 3"))).isCloseTo(1 / 20.0, within(1e-9));
        assertThat(scorer.score(List.of("d(A,C) = 3\nd(A,C) = 9"))).isZero();
    }

    @Test
    void pairsSplitAcrossThinkersAreUnited() {
        List<String> lines = allLines("d(%s,%s) = %d");
        List<String> lanes = List.of(String.join("\n", lines.subList(0, 10)), String.join("\n", lines.subList(10, 20)));
        assertThat(scorer.score(lanes)).isEqualTo(1.0);
    }

    @Test
    void contradictionsAcrossThinkersAreNotCredited() {
        assertThat(scorer.score(List.of("d(A,B) = 1", "d(A,B) = 4"))).isZero();
        assertThat(scorer.score(List.of("d(A,B) = 1", "d(A,B) = 1"))).isCloseTo(1 / 20.0, within(1e-9));
    }
}
