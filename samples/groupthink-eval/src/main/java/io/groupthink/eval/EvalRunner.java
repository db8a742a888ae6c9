package io.groupthink.eval;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundListener;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundPrompts;
import io.groupthink.engine.groupthink.RoundSession;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.eval.tasks.Task;
import io.groupthink.eval.tasks.TaskInstance;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Runs an {@link EvalConfig} on one loaded model and writes its reports.
 *
 * <p>For every task, seed, mode, N (cot: N = 1 only) and strategy it runs one Group Think session
 * (plain), or one {@link RoundSession} (rounds), records every lane's token stream on a
 * {@link Timeline}, then replays it: the joint output (all thinkers' texts, and in rounds the
 * summaries) after each step s = 0..last is scored by the task's scorer, with the tokens generated
 * so far and the K/V slots in use. Every scorer is run at every step (the programming scorer
 * memoises compile-and-check outcomes by source, so a method is compiled once, when its closing
 * brace appears).
 *
 * <p>Budgets: group and independent thinkers get K tokens each; cot gets K × max(N) (the total
 * the largest group spends), capped so its prompt plus budget fit the model's context. In rounds
 * every mode gets S tokens per thinker per round, cot included: the token axis compares them.
 * Sampling: temperature/top-p from the config, seeded by the run's seed (each thinker derives its
 * own stream).
 */
public final class EvalRunner {

    /** What a finished evaluation wrote. */
    public record Report(List<RunResult> runs, List<Curves.Curve> curves, Path csv, List<Path> charts, Path summary,
            String summaryText) {}

    private record Plan(TaskInstance instance, Mode mode, int thinkers, int budget, Strategy strategy) {
        String label() {
            return instance.task() + " " + strategy.name(EvalConfig.label(mode)) + " N=" + thinkers + " seed "
                    + instance.seed();
        }
    }

    private final GroupThinkModel model;
    private final EvalConfig config;
    private final PromptTemplate template;
    private final RoundOptions rounds; // null without the rounds strategy
    private final PrintStream err;

    public EvalRunner(GroupThinkModel model, EvalConfig config, PrintStream err) {
        this.model = model;
        this.config = config;
        this.template = config.template() != null ? config.template() : Prompts.forModel(model);
        RoundOptions r = config.rounds();
        this.rounds = r == null || r.prompts() != RoundPrompts.DEFAULT ? r
                : r.withPrompts(Prompts.forTemplate(template));
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
            progress.startRun(p.label(), p.strategy() == Strategy.PLAIN ? p.budget()
                    : rounds.rounds() * (p.budget() + rounds.summaryTokens()));
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
        boolean rounds = runs.stream().anyMatch(r -> r.strategy() == Strategy.ROUNDS);
        for (String task : curves.stream().map(Curves.Curve::task).distinct().toList()) {
            Path png = config.out().resolve("chart-" + task + ".png");
            Charts.writePng(Charts.build(task, curves), png);
            charts.add(png);
            if (rounds) {
                Path tokens = config.out().resolve("tokens-" + task + ".png");
                Charts.writePng(Charts.byTokens(task, curves), tokens);
                charts.add(tokens);
            }
        }
        String summary = SummaryReport.render(header(), runs, curves);
        Path md = config.out().resolve("summary.md");
        Files.writeString(md, summary, StandardCharsets.UTF_8);
        return new Report(List.copyOf(runs), curves, csv, List.copyOf(charts), md, summary);
    }

    private List<String> header() {
        int cot = config.budget() * config.maxThinkers();
        List<String> lines = new ArrayList<>(List.of("model: " + config.model(),
                "budget K = " + config.budget() + " tokens per thinker (cot: up to " + cot + ", capped by the context)",
                "seeds: " + config.seeds() + ", layout: " + config.layout().name().toLowerCase(Locale.ROOT)
                        + ", template: " + Prompts.name(template),
                String.format(Locale.ROOT, "sampling: temperature %.2f, top-p %.2f, seeded per run",
                        config.temperature(), config.topP())));
        if (rounds != null) {
            lines.add("strategies: " + config.strategies().stream().map(Strategy::label).toList() + "; rounds: R = "
                    + rounds.rounds() + ", S = " + rounds.segmentTokens()
                    + " tokens per thinker per round (cot too), M = " + rounds.summaryTokens()
                    + " summary tokens, carry m = " + rounds.carryTokens() + ", round words: "
                    + (rounds.prompts() == Prompts.COMPACT_ROUNDS ? "compact"
                            : rounds.prompts() == RoundPrompts.DEFAULT ? "default" : "custom"));
        }
        return lines;
    }

    private List<Plan> plans() {
        List<Plan> plans = new ArrayList<>();
        for (String name : config.tasks()) {
            Task task = Task.byName(name);
            for (long seed : config.seeds()) {
                TaskInstance instance = task.instance(seed);
                for (Strategy strategy : config.strategies()) {
                    for (Mode mode : config.modes()) {
                        List<Integer> counts = mode == Mode.COT ? List.of(1) : config.thinkers();
                        for (int n : counts) {
                            Plan p = new Plan(instance, mode, n, budget(strategy, mode, instance), strategy);
                            try {
                                if (strategy == Strategy.PLAIN) {
                                    model.newSession(request(p), SessionListener.NONE, StepHook.NONE);
                                } else {
                                    new RoundSession(model, request(p), rounds, null, null); // checks a round fits
                                }
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException(p.label() + ": " + e.getMessage(), e);
                            }
                            plans.add(p);
                        }
                    }
                }
            }
        }
        return plans;
    }

    private int budget(Strategy strategy, Mode mode, TaskInstance instance) {
        return strategy == Strategy.ROUNDS ? rounds.segmentTokens()
                : mode == Mode.COT ? cotBudget(instance) : config.budget();
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
        Timeline timeline = new Timeline(p.thinkers(), progress::step);
        IntSupplier slotsInUse = () -> model.scheduler().stats().kvTokensInUse();
        EngineStats stats = model.scheduler().stats();
        long bytesPerToken = stats.kvBytesCapacity() / stats.kvTokensCapacity();
        int decodeSteps;
        double wallMillis;
        int engineKv;
        int bound = 0;
        int summaryTokens = 0;
        timeline.start();
        if (p.strategy() == Strategy.PLAIN) {
            SessionListener listener = new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    if (!e.synthesis()) {
                        timeline.token(0, e.lane(), e.step(), e.text());
                    }
                }
            };
            GroupThinkResult result = model.think(request(p), listener, timeline.probe(0, slotsInUse));
            decodeSteps = result.decodeSteps();
            wallMillis = result.wallMillis();
            engineKv = (int) (result.kvBytes() / bytesPerToken);
        } else {
            // phases on the timeline: round r's segment is 2r - 1, its summary 2r
            RoundSession.Hooks hooks = new RoundSession.Hooks() {
                @Override
                public StepHook segment(int round) {
                    return timeline.probe(2 * round - 1, slotsInUse);
                }

                @Override
                public StepHook summary(int round) {
                    return timeline.probe(2 * round, slotsInUse);
                }
            };
            RoundListener listener = new RoundListener() {
                @Override
                public void onToken(int round, ThinkerEvent e) {
                    timeline.token(2 * round - 1, e.lane(), e.step(), e.text());
                }

                @Override
                public void onSummaryToken(int round, ThinkerEvent e) {
                    timeline.token(2 * round, p.thinkers() + e.lane(), e.step(), e.text());
                }
            };
            RoundsResult result = new RoundSession(model, request(p), rounds, listener, hooks).start().await();
            decodeSteps = timeline.steps();
            wallMillis = result.wallMillis();
            engineKv = result.peakKvTokens();
            bound = result.kvBound();
            summaryTokens = result.summaryTokens();
        }
        int[] kv = timeline.kvSlots();
        List<RunResult.StepPoint> points = new ArrayList<>();
        for (int s = 0; s <= timeline.steps(); s++) {
            double coverage = score(p.instance(), timeline.textsAt(s));
            points.add(new RunResult.StepPoint(s, timeline.wallMillisAt(s), coverage, timeline.tokensAt(s), kv[s]));
        }
        int peak = Math.max(engineKv, Arrays.stream(kv).max().orElse(0));
        return new RunResult(p.instance().task(), p.instance().seed(), p.instance().id(), EvalConfig.label(p.mode()),
                p.strategy(), p.thinkers(), p.budget(), p.instance().question(), List.copyOf(points),
                timeline.thinkerTexts(), timeline.summaryTexts(), decodeSteps, wallMillis, peak, bound, bytesPerToken,
                summaryTokens);
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
                .append(")\nmode: ").append(r.modeLabel()).append(", thinkers: ").append(r.thinkers())
                .append(", budget: ")
                .append(r.budget()).append(", decode steps: ").append(r.decodeSteps())
                .append(String.format(Locale.ROOT, ", wall: %.0f ms, final coverage: %.3f%n", r.wallMillis(),
                        r.finalCoverage()))
                .append("\nquestion:\n").append(r.question()).append("\n");
        for (int n = 0; n < r.laneTexts().size(); n++) {
            sb.append("\n--- thinker ").append(n + 1).append(" ---\n").append(r.laneTexts().get(n)).append('\n');
        }
        for (String summary : r.summaryTexts()) {
            sb.append("\n--- summaries, one per round ---\n").append(summary).append('\n');
        }
        String name = r.modeLabel().replace(' ', '-');
        Path file = dir.resolve(r.task() + "-seed" + r.seed() + "-" + name + "-n" + r.thinkers() + ".txt");
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }
}
