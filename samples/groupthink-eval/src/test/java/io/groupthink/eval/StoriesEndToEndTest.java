package io.groupthink.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The whole harness on the real tiny model (it writes children's stories, so every coverage is
 * probably 0): only the machinery is checked.
 */
class StoriesEndToEndTest {

    @Test
    @Timeout(120)
    void commandWritesCsvChartsAndSummary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("eval");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = EvalCommand.run(new String[] {"--model", TestModels.stories().toString(), "--tasks",
                "enumeration,floyd-warshall,programming", "--thinkers", "1,2", "--modes", "group,independent,cot",
                "--budget", "16", "--seeds", "1", "--out", out.toString()},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String err = stderr.toString(StandardCharsets.UTF_8);
        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err).isZero();
        System.out.println(summary);

        // progress bar on stderr
        assertThat(err).contains("\r[").contains("15/15 runs");

        // CSV: 3 tasks x (group 1,2 + independent 1,2 + cot 1) = 15 runs, each from step 0
        List<String> csv = Files.readAllLines(out.resolve("coverage.csv"));
        assertThat(csv.get(0))
                .isEqualTo("task,seed,instance,mode,thinkers,step,wall_ms,coverage,strategy,tokens,kv_tokens");
        List<String[]> rows = csv.subList(1, csv.size()).stream().map(l -> l.split(",")).toList();
        Set<String> runs = rows.stream().map(r -> r[0] + "/" + r[3] + "/" + r[4]).collect(Collectors.toSet());
        assertThat(runs).hasSize(15).contains("enumeration/cot/1", "floyd-warshall/group/2", "programming/independent/2");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r).hasSize(11);
            assertThat(r[8]).isEqualTo("plain");
            double coverage = Double.parseDouble(r[7]);
            assertThat(coverage).isBetween(0.0, 1.0);
            assertThat(Integer.parseInt(r[5])).isBetween(0, 32);
            assertThat(Double.parseDouble(r[6])).isGreaterThanOrEqualTo(0);
        });
        assertThat(rows.stream().filter(r -> r[5].equals("0")).count()).isEqualTo(15);
        assertThat(rows.stream().filter(r -> r[3].equals("group") && r[4].equals("2"))
                .mapToInt(r -> Integer.parseInt(r[5])).max().orElse(0)).isGreaterThan(0);

        // PNG charts: readable, full size, and not blank
        for (String task : List.of("enumeration", "floyd-warshall", "programming")) {
            Path png = out.resolve("chart-" + task + ".png");
            assertThat(png).exists();
            assertNonBlankChart(ImageIO.read(png.toFile()));
        }

        // summary
        String md = Files.readString(out.resolve("summary.md"));
        assertThat(md).contains("# Group Think evaluation", "## enumeration", "## floyd-warshall", "## programming",
                "| mode | N | runs | final coverage | steps to 50% | steps to 100%", "| group | 2 |", "| cot | 1 |",
                "template: compact");
        assertThat(summary).contains("wrote " + out.resolve("summary.md"));
        assertThat(out.resolve("transcripts").resolve("enumeration-seed1-group-n2.txt")).exists();
    }

    @Test
    @Timeout(120)
    void runnerReportsNonEmptySeriesBeforeRendering(@TempDir Path dir) throws Exception {
        EvalConfig config = new EvalConfig(TestModels.stories(), List.of("floyd-warshall"), List.of(2),
                List.of(Mode.GROUP_THINK, Mode.COT), 8, List.of(2L), dir, Layout.INTERLEAVED, Prompts.COMPACT,
                EvalConfig.DEFAULT_TEMPERATURE, EvalConfig.DEFAULT_TOP_P);
        try (GroupThinkModel model = GroupThinkModel.load(config.model())) {
            EvalRunner.Report report = new EvalRunner(model, config, new PrintStream(new ByteArrayOutputStream()))
                    .run();
            assertThat(report.runs()).hasSize(2);
            assertThat(report.runs().get(0).laneTexts()).hasSize(2);
            assertThat(report.runs().get(0).laneTexts().get(0)).isNotEmpty();
            assertThat(report.curves()).extracting(Curves.Curve::label).containsExactly("group N=2", "cot N=1");
            XYChart chart = Charts.build("floyd-warshall", report.curves());
            assertThat(chart.getSeriesCollection()).hasSize(2);
            for (XYSeries s : chart.getSeriesCollection()) {
                assertThat(s.getXData()).isNotEmpty();
                assertThat(s.getYData()).hasSameSizeAs(s.getXData());
            }
            assertNonBlankChart(ImageIO.read(report.charts().get(0).toFile()));
        }
    }

    @Test
    void aBudgetThatDoesNotFitTheContextIsRefusedBeforeAnythingRuns(@TempDir Path dir) {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = EvalCommand.run(new String[] {"--model", TestModels.stories().toString(), "--tasks", "enumeration",
                "--thinkers", "2", "--modes", "group", "--budget", "400", "--seeds", "1", "--out",
                dir.resolve("o").toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String err = stderr.toString(StandardCharsets.UTF_8).strip();
        assertThat(code).isEqualTo(2);
        // the load line reports the tensor types; then one error line, and nothing ran
        List<String> lines = err.lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("tensors {F32=");
        assertThat(lines.get(1)).startsWith("error: --budget/--thinkers")
                .contains("enumeration group N=2 seed 1").contains("context is 512");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void anEmptyChartIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Charts.build("enumeration", List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no series");
    }

    private static void assertNonBlankChart(BufferedImage image) {
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        int background = image.getRGB(0, 0);
        int different = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                if (image.getRGB(x, y) != background) {
                    different++;
                }
            }
        }
        assertThat(different).isGreaterThan(500);
    }
}
