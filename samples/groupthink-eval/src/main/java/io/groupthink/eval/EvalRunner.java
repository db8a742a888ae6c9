package io.groupthink.eval;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.eval.tasks.Task;
import io.groupthink.eval.tasks.TaskInstance;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs an {@link EvalConfig} on one loaded model and writes its reports.
 *
 * <p>For every task, seed, mode and N (cot: N = 1 only) it runs one Group Think session,
 * records every thinker's token stream with a {@link StepRecorder}, then replays it: the joint
 * output (all thinkers' texts) after each step s = 0..last is scored by the task's scorer. Every
 * scorer is run at every step (the programming scorer memoises compile-and-check outcomes by
 * source, so a method is compiled once, when its closing brace appears).
 *
 * <p>Budgets: group and independent thinkers get K tokens each; cot gets K × max(N) (the total
 * the largest group spends), capped so its prompt plus budget fit the model's context.
 * Sampling: temperature/top-p from the config, seeded by the run's seed (each thinker derives its
 * own stream).
 */
public final class EvalRunner {

    /** What a finished evaluation wrote. */
    public record Report(List<RunResult> runs, List<Curves.Curve> curves, Path csv, List<Path> charts, Path summary,
            String summaryText) {}

    private record Plan(TaskInstance instance, Mode mode, int thinkers, int budget) {
        String label() {
            return instance.task() + " " + EvalConfig.label(mode) + " N=" + thinkers + " seed " + instance.seed();
        }
    }

    private final GroupThinkModel model;
    private final EvalConfig config;
    private final PromptTemplate template;
    private final PrintStream err;

    public EvalRunner(GroupThinkModel model, EvalConfig config, PrintStream err) {
        this.model = model;
        this.config = config;
        this.template = config.template() != null ? config.template() : Prompts.forModel(model);
        this.err = err;
    }

    public PromptTemplate template() {
        return template;
    }

    /**
     * Checks that every run fits the model (context length, thinker count) before anything runs.
     * Throws IllegalArgumentException naming the run and the engine's reason.
     */
    public void preflight() {
        plans();
    }

    /** Runs everything, then writes coverage.csv, chart-&lt;task&gt;.png, summary.md and transcripts/. */
    public Report run() throws IOException {
        List<Plan> plans = plans();
        Files.createDirectories(config.out());
        Path transcripts = config.out().resolve("transcripts");
        Files.createDirectories(transcripts);
        Progress progress = new Progress(err, plans.size());
        List<RunResult> runs = new ArrayList<>();
        for (Plan p : plans) {
            progress.startRun(p.label(), p.budget());
            RunResult r = runOne(p, progress);
            runs.add(r);
            writeTranscript(transcripts, r);
            progress.finishRun(r.points().get(r.points().size() - 1).step());
        }
        progress.finish();
        return write(runs);
    }

    /** Writes the reports for finished runs (public so other front ends can reuse it). */
    public Report write(List<RunResult> runs) throws IOException {
        Files.createDirectories(config.out());
        List<Curves.Curve> curves = Curves.of(runs);
        Path csv = config.out().resolve("coverage.csv");
        CsvReport.write(csv, runs);
        List<Path> charts = new ArrayList<>();
        for (String task : curves.stream().map(Curves.Curve::task).distinct().toList()) {
            Path png = config.out().resolve("chart-" + task + ".png");
            Charts.writePng(Charts.build(task, curves), png);
            charts.add(png);
        }
        String summary = SummaryReport.render(header(), runs, curves);
        Path md = config.out().resolve("summary.md");
        Files.writeString(md, summary, StandardCharsets.UTF_8);
        return new Report(List.copyOf(runs), curves, csv, List.copyOf(charts), md, summary);
    }

    private List<String> header() {
        int cot = config.budget() * config.maxThinkers();
        return List.of("model: " + config.model(),
                "budget K = " + config.budget() + " tokens per thinker (cot: up to " + cot + ", capped by the context)",
                "seeds: " + config.seeds() + ", layout: " + config.layout().name().toLowerCase(Locale.ROOT)
                        + ", template: " + Prompts.name(template),
                String.format(Locale.ROOT, "sampling: temperature %.2f, top-p %.2f, seeded per run",
                        config.temperature(), config.topP()));
    }

    private List<Plan> plans() {
        List<Plan> plans = new ArrayList<>();
        for (String name : config.tasks()) {
            Task task = Task.byName(name);
            for (long seed : config.seeds()) {
                TaskInstance instance = task.instance(seed);
                for (Mode mode : config.modes()) {
                    List<Integer> counts = mode == Mode.COT ? List.of(1) : config.thinkers();
                    for (int n : counts) {
                        int budget = mode == Mode.COT ? cotBudget(instance) : config.budget();
                        Plan p = new Plan(instance, mode, n, budget);
                        try {
                            model.newSession(request(p), SessionListener.NONE, StepHook.NONE);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(p.label() + ": " + e.getMessage(), e);
                        }
                        plans.add(p);
                    }
                }
            }
        }
        return plans;
    }

    private int cotBudget(TaskInstance instance) {
        int wanted = config.budget() * config.maxThinkers();
        PromptPlan plan = PromptPlan.build(model.tokenizer(), model.chatTemplate(), template, instance.question(),
                Mode.COT, 1, List.of(), false);
        int room = model.config().maxPositions() - plan.base() - plan.maxHeader();
        return room >= config.budget() ? Math.min(wanted, room) : config.budget(); // too small: preflight says so
    }

    private GroupThinkRequest request(Plan p) {
        SamplingOptions sampling = config.temperature() == 0 ? SamplingOptions.GREEDY
                : SamplingOptions.sampled(config.temperature(), config.topP(), p.instance().seed());
        return GroupThinkRequest.builder(p.instance().question()).thinkers(p.thinkers()).maxTokens(p.budget())
                .mode(p.mode()).layout(config.layout()).sampling(sampling).template(template).build();
    }

    private RunResult runOne(Plan p, Progress progress) {
        StepRecorder recorder = new StepRecorder(p.thinkers(), progress::step);
        recorder.start();
        GroupThinkResult result = model.think(request(p), recorder, StepHook.NONE);
        List<RunResult.StepPoint> points = new ArrayList<>();
        int steps = recorder.steps();
        for (int s = 0; s <= steps; s++) {
            double coverage = score(p.instance(), recorder.textsAt(s));
            points.add(new RunResult.StepPoint(s, recorder.wallMillisAt(s), coverage));
        }
        return new RunResult(p.instance().task(), p.instance().seed(), p.instance().id(), EvalConfig.label(p.mode()),
                p.thinkers(), p.budget(), p.instance().question(), List.copyOf(points), recorder.finalTexts(),
                result.decodeSteps(), result.wallMillis());
    }

    private static double score(TaskInstance instance, List<String> lanes) {
        try {
            double v = instance.scorer().score(lanes);
            return Double.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
        } catch (RuntimeException e) {
            return 0; // a scorer must not end the evaluation; unreadable output is worth nothing
        }
    }

    private static void writeTranscript(Path dir, RunResult r) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("task: ").append(r.task()).append(" (").append(r.instance()).append(", seed ").append(r.seed())
                .append(")\nmode: ").append(r.mode()).append(", thinkers: ").append(r.thinkers()).append(", budget: ")
                .append(r.budget()).append(", decode steps: ").append(r.decodeSteps())
                .append(String.format(Locale.ROOT, ", wall: %.0f ms, final coverage: %.3f%n", r.wallMillis(),
                        r.finalCoverage()))
                .append("\nquestion:\n").append(r.question()).append("\n");
        for (int n = 0; n < r.laneTexts().size(); n++) {
            sb.append("\n--- thinker ").append(n + 1).append(" ---\n").append(r.laneTexts().get(n)).append('\n');
        }
        Path file = dir.resolve(r.task() + "-seed" + r.seed() + "-" + r.mode() + "-n" + r.thinkers() + ".txt");
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }
}
