package io.groupthink.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundSession;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.eval.tasks.Task;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round strategy beside the plain one, on the real tiny model (greedy, so a session run here
 * by hand is the same session the harness ran): group N = 2 and cot, plain with K = R x S tokens
 * per thinker, and in R = 4 rounds of S = 16 with M = 8 summary tokens and m = 4 carried.
 */
class RoundsEvalTest {

    private static final RoundOptions ROUNDS = RoundOptions.of(4, 16, 8, 4);

    @TempDir
    static Path dir;

    static GroupThinkModel model;
    static EvalRunner.Report report;

    @BeforeAll
    static void run() throws Exception {
        EvalConfig config = new EvalConfig(TestModels.stories(), List.of("enumeration"), List.of(2),
                List.of(Mode.GROUP_THINK, Mode.COT), ROUNDS.rounds() * ROUNDS.segmentTokens(), List.of(1L), dir,
                Layout.SLOTTED, null, 0, 1, List.of(Strategy.PLAIN, Strategy.ROUNDS), ROUNDS);
        model = GroupThinkModel.load(config.model());
        report = new EvalRunner(model, config, new PrintStream(new ByteArrayOutputStream())).run();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static RunResult find(String mode, Strategy strategy) {
        return report.runs().stream().filter(r -> r.mode().equals(mode) && r.strategy() == strategy).findFirst()
                .orElseThrow();
    }

    @Test
    void kvInRoundsStaysWithinOneRoundWhileThePlainRunGrows() {
        assertThat(report.runs()).extracting(RunResult::modeLabel)
                .containsExactly("group", "cot", "group rounds", "cot rounds");
        for (String mode : List.of("group", "cot")) {
            RunResult rounds = find(mode, Strategy.ROUNDS);
            RunResult plain = find(mode, Strategy.PLAIN);
            List<RunResult.StepPoint> r = rounds.points();
            List<RunResult.StepPoint> p = plain.points();
            assertThat(rounds.kvBound()).as(mode).isPositive();
            assertThat(rounds.peakKvTokens()).as(mode).isPositive().isLessThanOrEqualTo(rounds.kvBound());
            assertThat(r).as(mode).allSatisfy(s -> assertThat(s.kvTokens()).isLessThanOrEqualTo(rounds.kvBound()));
            // the slots go back at each boundary: K/V in use falls between some step and the next
            assertThat(java.util.stream.IntStream.range(1, r.size())
                    .filter(i -> r.get(i).kvTokens() < r.get(i - 1).kvTokens()).count()).as(mode).isPositive();
            // the plain run never gives anything back and ends holding (nearly) every token it wrote
            for (int i = 1; i < p.size(); i++) {
                assertThat(p.get(i).kvTokens()).as(mode + " step " + i).isGreaterThanOrEqualTo(p.get(i - 1).kvTokens());
            }
            RunResult.StepPoint last = p.get(p.size() - 1);
            assertThat(last.kvTokens()).as(mode).isGreaterThanOrEqualTo(last.tokens() - 2 * plain.thinkers());
            // on this run (greedy, deterministic): group rounds peak 190 of bound 196, plain 219; cot 161 of 166, 198
            assertThat(plain.peakKvTokens()).as(mode).isGreaterThan(rounds.kvBound());
        }
    }

    @Test
    void theTokenAxisCountsSummaryTokens() throws Exception {
        RunResult group = find("group", Strategy.ROUNDS);
        GroupThinkRequest request = GroupThinkRequest.builder(Task.byName("enumeration").instance(1).question())
                .thinkers(2).maxTokens(ROUNDS.segmentTokens()).mode(Mode.GROUP_THINK).layout(Layout.SLOTTED)
                .sampling(SamplingOptions.GREEDY).template(Prompts.COMPACT).build();
        RoundsResult again = new RoundSession(model, request, ROUNDS.withPrompts(Prompts.COMPACT_ROUNDS), null, null)
                .start().await();
        assertThat(again.summaryTokens()).isPositive();
        assertThat(group.summaryTokens()).isEqualTo(again.summaryTokens());
        assertThat(group.generatedTokens()).isEqualTo(again.generatedTokens());
        int segments = again.rounds().stream().mapToInt(RoundsResult.Round::segmentTokens).sum();
        assertThat(group.generatedTokens()).isEqualTo(segments + again.summaryTokens());
        // every round's summary is in the run's summary lane, one per line
        assertThat(group.summaryTexts()).hasSize(1);
        assertThat(group.summaryTexts().get(0).lines().count()).isGreaterThanOrEqualTo(again.rounds().size());

        // the CSV carries the strategy and the token count
        List<String> csv = Files.readAllLines(report.csv());
        String lastRow = csv.stream().filter(l -> l.contains(",group,2,") && l.contains(",rounds,"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(lastRow.split(",")[9]).isEqualTo(Integer.toString(again.generatedTokens()));
        assertThat(Files.readString(report.summary())).contains("| group in rounds | 2 |", ", bound "
                + group.kvBound() + " |", "rounds: R = 4, S = 16");
        assertThat(dir.resolve("transcripts").resolve("enumeration-seed1-group-rounds-n2.txt")).exists();
    }

    @Test
    void theTokenChartShowsCoverageAndKvSideBySide() throws Exception {
        Path png = dir.resolve("tokens-enumeration.png");
        assertThat(report.charts()).contains(png, dir.resolve("chart-enumeration.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        List<org.knowm.xchart.XYChart> charts = Charts.byTokens("enumeration", report.curves());
        assertThat(charts).hasSize(2);
        assertThat(charts.get(1).getSeriesCollection()).extracting(org.knowm.xchart.XYSeries::getName)
                .contains("group N=2", "group rounds N=2", "cot rounds N=1");
        // x is the tokens axis: the rounds curve ends at its tokens, summaries included
        double[] x = charts.get(1).getSeriesCollection().stream().filter(s -> s.getName().equals("group rounds N=2"))
                .findFirst().orElseThrow().getXData();
        assertThat(x[x.length - 1]).isEqualTo(find("group", Strategy.ROUNDS).generatedTokens());
    }

    @Test
    void aRoundThatDoesNotFitTheContextIsRefusedBeforeAnythingRuns(@TempDir Path out) {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = EvalCommand.run(new String[] {"--model", TestModels.stories().toString(), "--tasks", "enumeration",
                "--thinkers", "2", "--modes", "group", "--budget", "8", "--seeds", "1", "--rounds", "3", "--segment",
                "300", "--out", out.resolve("o").toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        List<String> lines = stderr.toString(StandardCharsets.UTF_8).strip().lines().toList();
        assertThat(code).isEqualTo(2);
        assertThat(lines.get(lines.size() - 1)).startsWith("error: --budget/--thinkers/--segment")
                .contains("enumeration group rounds N=2 seed 1").contains("a round needs up to")
                .contains("context is 512");
        assertThat(out.resolve("o")).doesNotExist();
    }
}
