package io.groupthink.cli;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SchedulerOptions;
import io.groupthink.engine.scheduler.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Data-centre mode: S sessions submitted at once to the scheduler (one batch per step across all
 * of them) against the same S sessions run one after another, on the same engine. Each session is
 * Group Think with N thinkers, or, when mixed, every other one is a plain single-sequence chat.
 */
final class SessionsBench {

    /** One configuration's figures; times per token are gaps between a lane's consecutive tokens. */
    record Row(int sessions, boolean mixed, boolean prefixSharing, int generated, double concurrentWallMillis, double sequentialWallMillis,
            double concurrentTokPerSecond, double sequentialTokPerSecond, double speedup, double concurrentP50,
            double concurrentP95, double sequentialP50, double sequentialP95, long borrowedPromptTokens) {}

    /** What the sessions' prompts have in common and whether the scheduler may share it. */
    record Prefix(int tokens, boolean sharing) {}

    private SessionsBench() {}

    static Row run(GroupThinkModel model, int sessions, int thinkers, int promptTokens, int tokens, boolean mixed,
            LongFunction<int[]> randomPrompt, Prefix prefix, int repeats) throws InterruptedException {
        int kv = sessions * (promptTokens + thinkers * (tokens + 1)) + 64;
        SchedulerOptions options = new SchedulerOptions(kv, sessions, Duration.ofMinutes(30), 1 << 20)
                .withPrefixSharing(prefix.sharing());
        int[] common = randomPrompt.apply(4242);
        LongFunction<int[]> prompt = seed -> {
            int[] p = randomPrompt.apply(seed);
            System.arraycopy(common, 0, p, 0, Math.min(prefix.tokens(), Math.min(p.length, common.length)));
            return p;
        };
        try (Scheduler scheduler = new Scheduler(model, options, null)) {
            runAll(model, scheduler, sessions, thinkers, promptTokens, tokens, mixed, prompt, true, null); // warm-up
            // concurrent and sequential alternate; each keeps its fastest wall (the least disturbed by
            // a shared machine) and the gaps of that run
            double concurrent = Double.MAX_VALUE;
            double sequential = Double.MAX_VALUE;
            List<Double> gaps = List.of();
            List<Double> seqGaps = List.of();
            int generated = 0;
            long borrowed = 0;
            for (int rep = 0; rep < repeats; rep++) {
                long borrowedBefore = scheduler.stats().sharedPrefixTokens();
                List<Double> g = Collections.synchronizedList(new ArrayList<>());
                long t0 = System.nanoTime();
                generated = runAll(model, scheduler, sessions, thinkers, promptTokens, tokens, mixed, prompt,
                        true, g);
                double wall = (System.nanoTime() - t0) / 1e6;
                borrowed = scheduler.stats().sharedPrefixTokens() - borrowedBefore;
                if (wall < concurrent) {
                    concurrent = wall;
                    gaps = g;
                }
                List<Double> sg = Collections.synchronizedList(new ArrayList<>());
                t0 = System.nanoTime();
                runAll(model, scheduler, sessions, thinkers, promptTokens, tokens, mixed, prompt, false, sg);
                wall = (System.nanoTime() - t0) / 1e6;
                if (wall < sequential) {
                    sequential = wall;
                    seqGaps = sg;
                }
            }
            return new Row(sessions, mixed, prefix.sharing(), generated, concurrent, sequential, generated * 1000 / concurrent,
                    generated * 1000 / sequential, sequential / concurrent, pct(gaps, 50), pct(gaps, 95),
                    pct(seqGaps, 50), pct(seqGaps, 95), borrowed);
        }
    }

    private static int runAll(GroupThinkModel model, Scheduler scheduler, int sessions, int thinkers, int promptTokens,
            int tokens, boolean mixed, LongFunction<int[]> prompt, boolean together, List<Double> gaps)
            throws InterruptedException {
        List<SessionHandle> handles = new ArrayList<>();
        int generated = 0;
        for (int i = 0; i < sessions; i++) {
            GroupThinkSession s = session(model, i, thinkers, promptTokens, tokens, mixed && i % 2 == 1, prompt,
                    gaps);
            SessionHandle h = scheduler.submit(s);
            if (together) {
                handles.add(h);
            } else {
                generated += h.await().generatedTokens();
            }
        }
        for (SessionHandle h : handles) {
            generated += h.await().generatedTokens();
        }
        return generated;
    }

    private static GroupThinkSession session(GroupThinkModel model, int i, int thinkers, int promptTokens, int tokens,
            boolean plain, LongFunction<int[]> prompt, List<Double> gaps) {
        SessionListener timing = gaps == null ? SessionListener.NONE : new SessionListener() {
            private final Map<Integer, Long> last = new ConcurrentHashMap<>();

            @Override
            public void onToken(ThinkerEvent e) {
                long now = System.nanoTime();
                Long before = last.put(e.lane(), now);
                if (before != null) {
                    gaps.add((now - before) / 1e6);
                }
            }
        };
        if (plain) {
            return BenchCommand.plainSession(model, prompt.apply(5000 + i), tokens, timing);
        }
        int[] shared = prompt.apply(6000 + i);
        shared = java.util.Arrays.copyOf(shared, promptTokens - 1);
        int[] own = prompt.apply(7000 + i);
        int[][] instructions = new int[thinkers][];
        int[][] headers = new int[thinkers][];
        for (int n = 0; n < thinkers; n++) {
            instructions[n] = new int[] {own[n % own.length]};
            headers[n] = new int[0];
        }
        GroupThinkRequest request = BenchCommand.fullBudget(thinkers, Mode.GROUP_THINK, tokens);
        return model.newSession(request, new PromptPlan(shared, instructions, headers, new int[0]), timing,
                StepHook.NONE);
    }

    private static double pct(List<Double> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static String header() {
        return "Data-centre mode: S sessions of N thinkers submitted at once to the scheduler vs the same S run one"
                + " after another\n    S  mixed  sharing  tokens  concurrent ms  sequential ms  conc tok/s  seq tok/s  speed-up"
                + "  conc p50/p95 ms/token  seq p50/p95 ms/token  borrowed prompt tokens";
    }

    static String line(Row r) {
        return String.format(java.util.Locale.ROOT, "%5d  %5s  %7s  %6d  %13.0f  %13.0f  %10.1f  %9.1f  %7.2fx  %10.1f / %-9.1f"
                        + "  %9.1f / %-9.1f  %d", r.sessions(), r.mixed() ? "yes" : "no",
                r.prefixSharing() ? "on" : "off", r.generated(),
                r.concurrentWallMillis(), r.sequentialWallMillis(), r.concurrentTokPerSecond(),
                r.sequentialTokPerSecond(), r.speedup(), r.concurrentP50(), r.concurrentP95(), r.sequentialP50(),
                r.sequentialP95(), r.borrowedPromptTokens());
    }
}
