package io.groupthink.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.runtime.LinearBenchmark;
import io.groupthink.engine.sampling.SamplingOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Throughput figures: B plain prompts batched together, and a Group Think session of N thinkers
 * against the thread-pool pattern (N single-stream generations on N threads against the same model)
 * and the turn-based one (N generations in turn, each handed the earlier ones' output).
 * Every configuration generates its full budget: a step hook replaces stop tokens.
 */
final class BenchCommand implements Command {

    private static final List<Integer> DEFAULT_SIZES = List.of(1, 2, 4, 8);

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "batched decoding and Group Think vs a thread pool: latency, tok/s, KV bytes";
    }

    @Override
    public String usage() {
        return "--model DIR|FILE [--batch 1,2,4,8] [--thinkers 1,2,4,8] [--prompt-tokens 64] [--tokens 32] [--warmup 1] "
                + "[--json]";
    }

    @Override
    public String description() {
        return """
                --batch B: B different plain prompts of --prompt-tokens tokens run together as B sessions in one
                model.run call (one batch per step): prefill ms/token, decode ms/step, decode tok/s in aggregate
                and per sequence.
                --thinkers N: a Group Think session (group mode, slotted) of N thinkers with --tokens tokens each,
                against the thread-pool pattern: N plain generations of the same prompts and budget, each on its
                own thread of a fixed pool of N threads, against the same model (the engine's one driver batches
                their decode steps, as a serving engine batches N concurrent chat calls; each stores its own
                prompt, so the pool prefills N prompts where Group Think prefills one). Reports step ms, decode
                tok/s, wall ms of both, their wall ratio (group / pool), KV bytes of both (the pool's summed) and
                tok/s relative to the smallest N (or B). Also against the turn-based pattern: the N generations one
                after another, each a new call whose prompt ends with the earlier generations' output (the
                hand-off), and the wall ratio (group / turns).
                With neither --batch nor --thinkers both run at 1,2,4,8; with one of them only that one runs.
                Prompts are random token ids; stop tokens are replaced so that every run does its full budget;
                decoding is greedy. Each configuration runs --warmup times before it is measured (--repeats times).
                Also prints the weight bytes one decode step reads (bf16 weights count 2 bytes under --linear kernel), and per row the read rate that implies
                (bytes per step / step time), to compare with the machine's memory bandwidth.""";
    }

    @Override
    public List<Options.Spec> options() {
        return List.of(Common.MODEL,
                Options.Spec.value("--batch", "LIST", "batch sizes B, comma-separated (e.g. 1,2,4,8)"),
                Options.Spec.value("--thinkers", "LIST", "thinker counts N, comma-separated, at most "
                        + GroupThinkRequest.MAX_THINKERS),
                Options.Spec.value("--prompt-tokens", "P", "prompt length in tokens (default 64)"),
                Options.Spec.value("--tokens", "T", "tokens generated per sequence or thinker, >= 2 (default 32)"),
                Options.Spec.value("--warmup", "W", "untimed runs of each configuration first (default 1)"),
                Options.Spec.value("--sessions", "LIST", "concurrent session counts S through the scheduler, against "
                        + "the same sessions one after another (e.g. 1,4,16)"),
                Options.Spec.value("--session-thinkers", "N", "thinkers per session for --sessions (default 4)"),
                Options.Spec.flag("--bandwidth", "probe the memory read bandwidth before and after the runs (1 GiB "
                        + "Vector API sum, 2 threads) and report single-stream speed as a share of the bandwidth-bound "
                        + "limit; needs --add-modules jdk.incubator.vector"),
                Options.Spec.value("--repeats", "R", "with --sessions, measure concurrent and sequential R times, "
                        + "alternating, and keep each one's fastest run; with --thinkers, measure Group Think, the "
                        + "thread pool and the turns R times, alternating, and report each one's median run by wall "
                        + "time, as llama-bench -r repeats its measurement (default 1)"),
                Options.Spec.value("--shared-prefix", "P", "with --sessions, the first P prompt tokens are the same in "
                        + "every session, as a common system prompt (default 0)"),
                Options.Spec.value("--prefix-sharing", "on|off|both", "with --sessions, whether sessions borrow a "
                        + "running session's K/V for a common prompt prefix; both runs each configuration both ways "
                        + "(default on)"),
                Options.Spec.flag("--mixed", "with --sessions, also run a mix where every other session is a plain chat"),
                Common.JSON_FLAG,
                Common.THREADS, Common.LINEAR, Common.QUANTIZE);
    }

    private record Setup(GroupThinkModel model, int promptTokens, int tokens, int warmup, int repeats,
            int idLimit, Set<Integer> stopIds) {}

    /**
     * Every lane runs its whole budget, as llama-bench's generation does: no stop token can be
     * chosen before the budget (minTokens), so each run takes the same number of steps.
     */
    static GroupThinkRequest fullBudget(int thinkers, Mode mode, int tokens) {
        return GroupThinkRequest.builder("bench").thinkers(thinkers).maxTokens(tokens).minTokens(tokens).mode(mode)
                .layout(Layout.SLOTTED).sampling(SamplingOptions.GREEDY).build();
    }

    /** A plain one-lane session over prompt ids that runs its whole budget. */
    static GroupThinkSession plainSession(GroupThinkModel model, int[] prompt, int tokens, SessionListener listener) {
        return model.newSession(fullBudget(1, Mode.COT, tokens), PromptPlan.plain(prompt), listener, StepHook.NONE);
    }

    @Override
    public int execute(Options o, Io io) throws Exception {
        o.required("--model");
        boolean both = !o.has("--batch") && !o.has("--thinkers") && !o.has("--sessions");
        List<Integer> sessionCounts = o.has("--sessions") ? o.intList("--sessions", List.of(1, 4, 16), 1, 256) : List.of();
        int sessionThinkers = o.intValue("--session-thinkers", 4, 1, GroupThinkRequest.MAX_THINKERS);
        boolean mixed = o.flag("--mixed");
        int sharedPrefix = o.intValue("--shared-prefix", 0, 0, Integer.MAX_VALUE);
        int repeats = o.intValue("--repeats", 1, 1, 100);
        String sharing = o.choice("--prefix-sharing", "on", List.of("on", "off", "both"));
        List<Boolean> sharingRuns = sharing.equals("both") ? List.of(true, false) : List.of(sharing.equals("on"));
        List<Integer> batches = o.has("--batch") || both ? o.intList("--batch", DEFAULT_SIZES, 1, 256) : List.of();
        List<Integer> groups = o.has("--thinkers") || both
                ? o.intList("--thinkers", DEFAULT_SIZES, 1, GroupThinkRequest.MAX_THINKERS) : List.of();
        int promptTokens = o.intValue("--prompt-tokens", 64, 1, Integer.MAX_VALUE);
        int tokens = o.intValue("--tokens", 32, 2, Integer.MAX_VALUE);
        int warmup = o.intValue("--warmup", 1, 0, 1000);
        boolean json = o.flag("--json");
        boolean probe = o.flag("--bandwidth");
        if (probe && !vectorModule()) {
            throw new IllegalArgumentException("--bandwidth needs the JVM option --add-modules jdk.incubator.vector");
        }
        try (Common.Loaded loaded = Common.load(o, io.err())) {
            GroupThinkModel model = loaded.model();
            ModelConfig c = model.config();
            checkFits(c, promptTokens, tokens, batches.isEmpty() ? 0 : 1, groups.stream().mapToInt(i -> i).max()
                    .orElse(0));
            Set<Integer> stops = model.stopIds();
            int idLimit = Math.min(c.vocabSize(), model.tokenizer().maxId() + 1);
            Setup setup = new Setup(model, promptTokens, tokens, warmup, repeats, idLimit, stops);
            long bytesPerStep = model.transformer().weightBytesPerStep();
            double bandwidthBefore = probe ? probeBandwidth(io) : 0;

            List<BatchRow> batchRows = new ArrayList<>();
            for (int b : batches) {
                io.err().print("bench: batch " + b + " ... ");
                io.err().flush();
                batchRows.add(batch(setup, b));
                io.err().println("done");
            }
            List<GroupRow> groupRows = new ArrayList<>();
            for (int n : groups) {
                io.err().print("bench: " + n + " thinker(s), group and thread pool ... ");
                io.err().flush();
                groupRows.add(group(setup, n));
                io.err().println("done");
            }
            List<SessionsBench.Row> sessionRows = new ArrayList<>();
            for (int sc : sessionCounts) {
                for (boolean mix : mixed ? List.of(false, true) : List.of(false)) {
                    for (boolean share : sharingRuns) {
                        io.err().print("bench: " + sc + " concurrent session(s) of " + sessionThinkers + " thinkers"
                                + (mix ? ", mixed with plain chats" : "") + ", prefix sharing " + (share ? "on" : "off")
                                + " ... ");
                        io.err().flush();
                        sessionRows.add(SessionsBench.run(model, sc, sessionThinkers, promptTokens, tokens, mix,
                                seed -> prompt(setup, promptTokens, seed), new SessionsBench.Prefix(sharedPrefix, share),
                                repeats));
                        io.err().println("done");
                    }
                }
            }
            double bandwidth = probe ? (bandwidthBefore + probeBandwidth(io)) / 2 : 0;
            double total = io.elapsedMillis();
            if (json) {
                printJson(io.out(), loaded, setup, bytesPerStep, batchRows, groupRows, total, sessionRows);
            } else {
                printTable(io.out(), loaded, setup, bytesPerStep, batchRows, groupRows, total);
                if (probe) {
                    printLimit(io.out(), bandwidthBefore, bandwidth, bytesPerStep, batchRows, groupRows);
                }
                if (!sessionRows.isEmpty()) {
                    io.out().println();
                    io.out().println(SessionsBench.header());
                    sessionRows.forEach(r -> io.out().println(SessionsBench.line(r)));
                    io.out().printf(Locale.ROOT, "(prompts of %d tokens, the first %d the same in every session)%n",
                            promptTokens, sharedPrefix);
                }
            }
            return GroupThinkCli.OK;
        }
    }

    private static void checkFits(ModelConfig c, int promptTokens, int tokens, int batch, int maxThinkers) {
        long needed = (long) promptTokens + (long) Math.max(batch, maxThinkers) * tokens;
        if (needed > c.maxPositions()) {
            throw new UsageException("--prompt-tokens " + promptTokens + " + " + (maxThinkers > 1
                    ? "--thinkers " + maxThinkers + " x " : "") + "--tokens " + tokens + " = " + needed
                    + " positions exceed the model's context of " + c.maxPositions());
        }
    }

    /** A prompt of {@code length} random ids that are not stop tokens, reproducible from {@code seed}. */
    private static int[] prompt(Setup s, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            int id;
            do {
                id = r.nextInt(s.idLimit());
            } while (s.stopIds().contains(id));
            ids[i] = id;
        }
        return ids;
    }

    // ---- batch ----

    private record BatchRow(int batch, double prefillMillis, double prefillMillisPerToken, double stepMillis,
            double tokPerSecond, double tokPerSecondPerSequence, double wallMillis, long kvBytes, int generated,
            double bytesPerSecond) {}

    private static BatchRow batch(Setup s, int b) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            prompts.add(prompt(s, s.promptTokens(), 1000 + i));
        }
        for (int w = 0; w < s.warmup(); w++) {
            s.model().run(plainSessions(s, prompts));
        }
        List<GroupThinkSession> sessions = plainSessions(s, prompts);
        long t0 = System.nanoTime();
        List<GroupThinkResult> results = s.model().run(sessions);
        double wall = (System.nanoTime() - t0) / 1e6;
        GroupThinkResult first = results.get(0);
        double prefill = Common.prefillMillis(first);
        double step = Common.meanDecodeMillis(first);
        long kv = results.stream().mapToLong(GroupThinkResult::kvBytes).sum();
        int generated = results.stream().mapToInt(GroupThinkResult::generatedTokens).sum();
        return new BatchRow(b, prefill, prefill / ((double) b * s.promptTokens()), step, b * 1000 / step,
                1000 / step, wall, kv, generated, s.model().transformer().weightBytesPerStep() * 1000 / step);
    }

    private static List<GroupThinkSession> plainSessions(Setup s, List<int[]> prompts) {
        List<GroupThinkSession> sessions = new ArrayList<>();
        for (int[] p : prompts) {
            sessions.add(plainSession(s.model(), p, s.tokens(), SessionListener.NONE));
        }
        return sessions;
    }

    // ---- Group Think vs thread pool ----

    private record Run(double wallMillis, double prefillMillis, double stepMillis, double decodeTokPerSecond,
            double tokPerSecond, long kvBytes, int generated, int decodeSteps) {}

    /**
     * @param turns            the turn-based pattern; its prefillMillis is summed over the turns
     * @param turnPromptTokens every token the turns prefilled, their hand-offs included
     */
    private record GroupRow(int thinkers, Run group, Run pool, Run turns, int turnPromptTokens,
            double bytesPerSecond) {}

    private static GroupRow group(Setup s, int n) throws InterruptedException, ExecutionException {
        // one shared prompt of P - 1 tokens, then one private token per thinker: each thinker's prompt is P tokens
        int[] shared = prompt(s, s.promptTokens() - 1, 2000 + n);
        int[] own = prompt(s, n, 3000 + n);
        int[][] instructions = new int[n][];
        int[][] headers = new int[n][];
        for (int i = 0; i < n; i++) {
            instructions[i] = new int[] {own[i]};
            headers[i] = new int[0];
        }
        PromptPlan plan = new PromptPlan(shared, instructions, headers, new int[0]);
        GroupThinkRequest request = fullBudget(n, Mode.GROUP_THINK, s.tokens());
        for (int w = 0; w < s.warmup(); w++) {
            s.model().run(List.of(s.model().newSession(request, plan, SessionListener.NONE, StepHook.NONE)));
        }
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = Arrays.copyOf(shared, shared.length + 1);
            p[shared.length] = own[i];
            prompts.add(p);
        }
        for (int w = 0; w < s.warmup(); w++) {
            pool(s, prompts);
            turns(s, prompts);
        }
        List<Run> groups = new ArrayList<>();
        List<Run> pools = new ArrayList<>();
        List<Run> turns = new ArrayList<>();
        int turnPromptTokens = 0;
        for (int r = 0; r < s.repeats(); r++) {
            groups.add(groupRun(s, request, plan, n));
            pools.add(pool(s, prompts));
            Turns t = turns(s, prompts);
            turns.add(t.run());
            turnPromptTokens = t.promptTokens();
        }
        Run group = median(groups);
        double step = group.stepMillis();
        return new GroupRow(n, group, median(pools), median(turns), turnPromptTokens,
                s.model().transformer().weightBytesPerStep() * 1000 / step);
    }

    private record Turns(Run run, int promptTokens) {}

    /**
     * The turn-based pattern of application-level agents: N plain generations one after another,
     * each a new chat call whose prompt is its own prompt followed by every earlier agent's output
     * (the hand-off), so each agent sees the others' work only once it is finished, and the call
     * prefills the conversation again.
     */
    private static Turns turns(Setup s, List<int[]> prompts) {
        List<GroupThinkResult> results = new ArrayList<>();
        int[] handOff = new int[0];
        int promptTokens = 0;
        s.model().scheduler(); // the pool's scheduler closed the default one: start it (and its KV cache) untimed
        long t0 = System.nanoTime();
        for (int[] own : prompts) {
            int[] p = Arrays.copyOf(own, own.length + handOff.length);
            System.arraycopy(handOff, 0, p, own.length, handOff.length);
            promptTokens += p.length;
            GroupThinkResult r = s.model().run(plainSessions(s, List.of(p))).get(0);
            results.add(r);
            int[] out = r.thinkers().get(0).tokens();
            handOff = Arrays.copyOf(handOff, handOff.length + out.length);
            System.arraycopy(out, 0, handOff, handOff.length - out.length, out.length);
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        return new Turns(sequenceRun(results, wall), promptTokens);
    }

    /** One measured Group Think run of N thinkers. */
    private static Run groupRun(Setup s, GroupThinkRequest request, PromptPlan plan, int n) {
        GroupThinkSession session = s.model().newSession(request, plan, SessionListener.NONE, StepHook.NONE);
        s.model().scheduler(); // started untimed, as the pool's own scheduler is
        long t0 = System.nanoTime();
        GroupThinkResult r = s.model().run(List.of(session)).get(0);
        double wall = (System.nanoTime() - t0) / 1e6;
        int generated = r.generatedTokens();
        int decodeTokens = generated - n; // the prefill pass chose every thinker's first token
        return new Run(wall, Common.prefillMillis(r), Common.meanDecodeMillis(r),
                decodeTokens * 1000 / Common.decodeMillis(r), generated * 1000 / wall, r.kvBytes(), generated,
                r.decodeSteps());
    }

    /** The run with the median wall time (the lower middle one of an even count). */
    private static Run median(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Run::wallMillis));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * N plain generations, each on its own thread of a fixed pool of N threads, through an engine
     * without prefix sharing: each generation stores its own prompt, as separate runs would.
     */
    private static Run pool(Setup s, List<int[]> prompts) throws InterruptedException, ExecutionException {
        List<GroupThinkSession> sessions = plainSessions(s, prompts);
        ExecutorService executor = Executors.newFixedThreadPool(sessions.size());
        int kvTokens = sessions.stream().mapToInt(GroupThinkSession::maxTokens).sum();
        try (io.groupthink.engine.scheduler.Scheduler separate = new io.groupthink.engine.scheduler.Scheduler(
                s.model(), new io.groupthink.engine.scheduler.SchedulerOptions(kvTokens, sessions.size(),
                        java.time.Duration.ofHours(1), 1 << 20).withPrefixSharing(false), null)) {
            long t0 = System.nanoTime();
            List<Future<GroupThinkResult>> futures = new ArrayList<>();
            for (GroupThinkSession session : sessions) {
                futures.add(executor.submit(() -> s.model().run(List.of(session)).get(0)));
            }
            List<GroupThinkResult> results = new ArrayList<>();
            for (Future<GroupThinkResult> f : futures) {
                results.add(f.get());
            }
            double wall = (System.nanoTime() - t0) / 1e6;
            return sequenceRun(results, wall);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Figures of plain generations, summed over them (KV bytes too: each stores its own prompt). */
    private static Run sequenceRun(List<GroupThinkResult> results, double wall) {
        double prefill = 0;
        double decode = 0;
        int steps = 0;
        int generated = 0;
        long kv = 0;
        for (GroupThinkResult r : results) {
            prefill += Common.prefillMillis(r);
            decode += Common.decodeMillis(r);
            steps += r.decodeSteps();
            generated += r.generatedTokens();
            kv += r.kvBytes();
        }
        return new Run(wall, prefill, decode / steps, steps * 1000 / decode, generated * 1000 / wall, kv, generated,
                steps);
    }

    // ---- output ----

    private static void printJson(PrintStream out, Common.Loaded loaded, Setup s, long bytesPerStep,
            List<BatchRow> batchRows, List<GroupRow> groupRows, double total, List<SessionsBench.Row> sessionRows) {
        ModelConfig c = loaded.model().config();
        ObjectNode n = Common.JSON.createObjectNode();
        if (!sessionRows.isEmpty()) {
            var arr = n.putArray("sessions");
            for (SessionsBench.Row r : sessionRows) {
                ObjectNode j = arr.addObject();
                j.put("sessions", r.sessions());
                j.put("mixed", r.mixed());
                j.put("generated_tokens", r.generated());
                j.put("concurrent_wall_ms", Common.round(r.concurrentWallMillis(), 1));
                j.put("sequential_wall_ms", Common.round(r.sequentialWallMillis(), 1));
                j.put("concurrent_tok_s", Common.round(r.concurrentTokPerSecond(), 2));
                j.put("sequential_tok_s", Common.round(r.sequentialTokPerSecond(), 2));
                j.put("speedup", Common.round(r.speedup(), 3));
                j.put("concurrent_p50_ms_per_token", Common.round(r.concurrentP50(), 2));
                j.put("concurrent_p95_ms_per_token", Common.round(r.concurrentP95(), 2));
                j.put("sequential_p50_ms_per_token", Common.round(r.sequentialP50(), 2));
                j.put("sequential_p95_ms_per_token", Common.round(r.sequentialP95(), 2));
                j.put("prefix_sharing", r.prefixSharing());
                j.put("borrowed_prompt_tokens", r.borrowedPromptTokens());
            }
        }
        n.put("model", loaded.path());
        n.set("tensor_types", Common.tensorTypes(loaded.model()));
        n.put("model_type", c.modelType());
        n.put("layers", c.numLayers());
        n.put("hidden_size", c.hiddenSize());
        n.put("vocab_size", c.vocabSize());
        n.put("bytes_per_step", bytesPerStep);
        n.put("prompt_tokens", s.promptTokens());
        n.put("tokens", s.tokens());
        n.put("warmup", s.warmup());
        n.put("repeats", s.repeats());
        n.put("load_ms", Common.round(loaded.loadMillis(), 3));
        ObjectNode jvm = n.putObject("jvm");
        jvm.put("java_version", Runtime.version().toString());
        jvm.put("available_processors", Runtime.getRuntime().availableProcessors());
        jvm.put("vector_module", vectorModule());
        ArrayNode batch = n.putArray("batch");
        double base = batchRows.isEmpty() ? 0 : batchRows.stream().min((a, b) -> a.batch() - b.batch()).get()
                .tokPerSecond();
        for (BatchRow r : batchRows) {
            ObjectNode b = batch.addObject();
            b.put("batch", r.batch());
            b.put("prefill_ms", Common.round(r.prefillMillis(), 3));
            b.put("prefill_ms_per_token", Common.round(r.prefillMillisPerToken(), 4));
            b.put("decode_ms_per_step", Common.round(r.stepMillis(), 3));
            b.put("decode_tok_s", Common.round(r.tokPerSecond(), 3));
            b.put("decode_tok_s_per_sequence", Common.round(r.tokPerSecondPerSequence(), 3));
            b.put("speedup_vs_smallest", Common.round(r.tokPerSecond() / base, 3));
            b.put("wall_ms", Common.round(r.wallMillis(), 3));
            b.put("generated_tokens", r.generated());
            b.put("kv_bytes", r.kvBytes());
            b.put("weight_read_gb_s", Common.round(r.bytesPerSecond() / 1e9, 3));
        }
        ArrayNode thinkers = n.putArray("thinkers");
        GroupRow smallest = groupRows.stream().min((a, b) -> a.thinkers() - b.thinkers()).orElse(null);
        for (GroupRow r : groupRows) {
            ObjectNode t = thinkers.addObject();
            t.put("thinkers", r.thinkers());
            t.set("group", runJson(r.group(), true));
            t.set("thread_pool", runJson(r.pool(), false));
            t.put("wall_ratio", Common.round(r.group().wallMillis() / r.pool().wallMillis(), 4));
            ObjectNode turns = runJson(r.turns(), false);
            turns.put("prompt_tokens_total", r.turnPromptTokens());
            t.set("turn_based", turns);
            t.put("wall_ratio_turn_based", Common.round(r.group().wallMillis() / r.turns().wallMillis(), 4));
            t.put("group_speedup_vs_smallest",
                    Common.round(r.group().decodeTokPerSecond() / smallest.group().decodeTokPerSecond(), 3));
            t.put("thread_pool_speedup_vs_smallest",
                    Common.round(r.pool().decodeTokPerSecond() / smallest.pool().decodeTokPerSecond(), 3));
            t.put("weight_read_gb_s", Common.round(r.bytesPerSecond() / 1e9, 3));
        }
        if (smallest != null) {
            n.put("thinkers_baseline", smallest.thinkers());
        }
        if (!batchRows.isEmpty()) {
            n.put("batch_baseline", batchRows.stream().mapToInt(BatchRow::batch).min().getAsInt());
        }
        n.put("total_ms", Common.round(total, 3));
        Common.printJson(out, n);
    }

    private static ObjectNode runJson(Run r, boolean group) {
        ObjectNode o = Common.JSON.createObjectNode();
        o.put("wall_ms", Common.round(r.wallMillis(), 3));
        o.put(group ? "prefill_ms" : "prefill_ms_total", Common.round(r.prefillMillis(), 3));
        o.put("step_ms", Common.round(r.stepMillis(), 3));
        o.put("decode_tok_s", Common.round(r.decodeTokPerSecond(), 3));
        o.put("tok_s", Common.round(r.tokPerSecond(), 3));
        o.put("decode_steps", r.decodeSteps());
        o.put("generated_tokens", r.generated());
        o.put("kv_bytes", r.kvBytes());
        return o;
    }

    private static void printTable(PrintStream out, Common.Loaded loaded, Setup s, long bytesPerStep,
            List<BatchRow> batchRows, List<GroupRow> groupRows, double total) {
        ModelConfig c = loaded.model().config();
        out.printf(Locale.ROOT, "Model %s: %s, %d layers, hidden %d, vocab %d, tensors %s (loaded in %.0f ms)%n",
                loaded.path(), c.modelType(), c.numLayers(), c.hiddenSize(), c.vocabSize(),
                loaded.model().tensorTypes(), loaded.loadMillis());
        out.printf(Locale.ROOT, "weights read per decode step: %d bytes (%s): one stream decodes at most "
                + "(memory bandwidth in bytes/s) / %d tok/s%n", bytesPerStep, Common.bytes(bytesPerStep), bytesPerStep);
        out.printf(Locale.ROOT, "Prompt %d tokens, %d generated per sequence/thinker, greedy, full budget forced, "
                        + "warmup %d | Java %s, %d cores, jdk.incubator.vector %s%n",
                s.promptTokens(), s.tokens(), s.warmup(), Runtime.version(), Runtime.getRuntime().availableProcessors(),
                vectorModule() ? "on" : "off");
        if (!batchRows.isEmpty()) {
            int baseB = batchRows.stream().mapToInt(BatchRow::batch).min().getAsInt();
            double base = batchRows.stream().filter(r -> r.batch() == baseB).findFirst().get().tokPerSecond();
            out.println();
            out.println("Batched plain generation: B different prompts as B sessions, one model.run, one batch per step");
            out.printf(Locale.ROOT, "%5s %13s %14s %11s %11s %8s %10s %12s %9s%n", "B", "prefill ms/t", "decode ms/step",
                    "agg tok/s", "tok/s/seq", "vs B=" + baseB, "wall ms", "KV bytes", "read GB/s");
            for (BatchRow r : batchRows) {
                out.printf(Locale.ROOT, "%5d %13.3f %14.2f %11.1f %11.1f %7.2fx %10.0f %12d %9.3f%n", r.batch(),
                        r.prefillMillisPerToken(), r.stepMillis(), r.tokPerSecond(), r.tokPerSecondPerSequence(),
                        r.tokPerSecond() / base, r.wallMillis(), r.kvBytes(), r.bytesPerSecond() / 1e9);
            }
        }
        if (!groupRows.isEmpty()) {
            GroupRow smallest = groupRows.stream().min((a, b) -> a.thinkers() - b.thinkers()).get();
            String vs = "vs N=" + smallest.thinkers();
            out.println();
            out.println("Group Think (N thinkers, one session) vs thread pool (N plain generations on N threads, "
                    + "same model)");
            out.printf(Locale.ROOT, "%4s | %8s %10s %9s %12s %7s | %9s %10s %9s %12s %7s | %10s | %9s %10s%n", "N",
                    "step ms", "agg tok/s", "wall ms", "KV bytes", vs, "step ms", "agg tok/s", "wall ms", "KV bytes", vs,
                    "wall ratio", "turns ms", "turn ratio");
            for (GroupRow r : groupRows) {
                Run g = r.group();
                Run p = r.pool();
                out.printf(Locale.ROOT,
                        "%4d | %8.2f %10.1f %9.0f %12d %6.2fx | %9.2f %10.1f %9.0f %12d %6.2fx | %10.3f | %9.0f %10.3f%n",
                        r.thinkers(), g.stepMillis(), g.decodeTokPerSecond(), g.wallMillis(), g.kvBytes(),
                        g.decodeTokPerSecond() / smallest.group().decodeTokPerSecond(), p.stepMillis(),
                        p.decodeTokPerSecond(), p.wallMillis(), p.kvBytes(),
                        p.decodeTokPerSecond() / smallest.pool().decodeTokPerSecond(),
                        g.wallMillis() / p.wallMillis(), r.turns().wallMillis(), g.wallMillis() / r.turns().wallMillis());
            }
            out.println("(left: Group Think; middle: thread pool; agg tok/s = decode tokens per second of decode "
                    + "passes; wall ratio = group wall / pool wall; turns: the N generations one after another, each "
                    + "handed the earlier ones' output; turn ratio = group wall / turns wall)");
        }
        out.printf(Locale.ROOT, "%nTotal %.0f ms%n", total);
        out.flush();
    }

    private static double probeBandwidth(Io io) {
        io.err().print("bench: read bandwidth probe ... ");
        io.err().flush();
        try {
            double gbs = LinearBenchmark.readBandwidth(2, 5);
            io.err().printf(Locale.ROOT, "%.1f GB/s%n", gbs);
            return gbs;
        } catch (Exception e) {
            throw new IllegalStateException("bandwidth probe failed: " + e.getMessage(), e);
        }
    }

    /** Single-stream speed against what the bandwidth measured in this run allows. */
    private static void printLimit(PrintStream out, double before, double mean, long bytesPerStep,
            List<BatchRow> batchRows, List<GroupRow> groupRows) {
        double limit = mean * 1e9 / bytesPerStep;
        out.printf(Locale.ROOT, "%nRead bandwidth (Java probe, 2 threads): %.1f GB/s before, %.1f after; one stream's "
                + "bandwidth-bound limit %.1f tok/s (mean bandwidth / weight bytes per step)%n", before,
                2 * mean - before, limit);
        batchRows.stream().filter(r -> r.batch() == 1).forEach(r -> out.printf(Locale.ROOT,
                "  B=1 plain decode: %.1f tok/s = %.0f%% of the limit%n", r.tokPerSecond(),
                100 * r.tokPerSecond() / limit));
        groupRows.stream().filter(r -> r.thinkers() == 1).forEach(r -> out.printf(Locale.ROOT,
                "  N=1 Group Think: %.1f tok/s = %.0f%%; thread pool N=1: %.1f tok/s = %.0f%%%n",
                r.group().decodeTokPerSecond(), 100 * r.group().decodeTokPerSecond() / limit,
                r.pool().decodeTokPerSecond(), 100 * r.pool().decodeTokPerSecond() / limit));
    }

    static boolean vectorModule() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
}
