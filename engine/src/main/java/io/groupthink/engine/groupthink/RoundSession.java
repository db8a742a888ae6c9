package io.groupthink.engine.groupthink;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SessionHandle;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A session that reasons in rounds in a fixed K/V budget (InftyThink, with Delethink's carry-over).
 *
 * <p>Round r runs the thinkers for at most S tokens each (the segment), then a summary lane reads
 * the question, the previous summary and every segment and writes at most M tokens. Each step is
 * its own scheduler session, so when it ends its K/V slots go back to the scheduler at once and
 * waiting sessions can be admitted into them; the next step is queued ahead of later arrivals
 * ({@link Scheduler#submitNext}). Round r + 1 is a fresh session whose question is the question
 * plus the summary, each thinker's header followed by its last m tokens: the positions restart,
 * so step time and memory stay flat however many rounds run. A round ends early when every
 * thinker stopped; the session ends when a segment or summary writes the final-answer marker, or
 * after R rounds, and then the final-answer lane (if synthesis is on) reads the question and the
 * last summary.
 *
 * <p>The driver runs off the engine thread, on the thread that completes each step's future.
 */
public final class RoundSession {

    /** Hooks for each step's lanes (tests, evaluation). */
    public interface Hooks {
        Hooks NONE = new Hooks() {};

        default StepHook segment(int round) {
            return StepHook.NONE;
        }

        default StepHook summary(int round) {
            return StepHook.NONE;
        }
    }

    private final GroupThinkModel model;
    private final Scheduler scheduler;
    private final Tokenizer tokenizer;
    private final GroupThinkRequest request;
    private final RoundOptions options;
    private final RoundPrompts words;
    private final RoundListener listener;
    private final Hooks hooks;
    private final int thinkers;
    private final int pieceCap; // tokens of one thinker's labelled segment in a summary prompt
    private final int summaryCap; // tokens of the summary a round starts from
    private final int bound;
    private final CompletableFuture<RoundsResult> result = new CompletableFuture<>();
    private final List<RoundsResult.Round> rounds = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private List<SessionHandle> current = List.of(); // guarded by this
    private volatile boolean cancelled;
    private String summary = "";
    private int[][] carry;
    private boolean markerReached;

    public RoundSession(GroupThinkModel model, GroupThinkRequest request, RoundOptions options,
            RoundListener listener, Hooks hooks) {
        this.model = model;
        this.scheduler = model.scheduler();
        this.tokenizer = model.tokenizer();
        this.request = request.validate(GroupThinkRequest.MAX_THINKERS);
        this.options = options.validate();
        this.words = options.prompts();
        this.listener = listener == null ? RoundListener.NONE : listener;
        this.hooks = hooks == null ? Hooks.NONE : hooks;
        this.thinkers = request.thinkers();
        this.carry = new int[thinkers][0];

        int s = options.segmentTokens();
        int m = options.carryTokens();
        int bigM = options.summaryTokens();
        PromptPlan roundPlan = segmentPlan(words.fill(words.continuation(), request.question(), "", null));
        int header = roundPlan.maxHeader();
        this.pieceCap = header + m + s + 2; // label, carried and new tokens, newline; +1 for the seam
        int label = tokenizer.encode(label(thinkers) + "\n", false).length;
        this.summaryCap = options.summaryPerThinker() ? thinkers * (bigM + label + 1) : bigM + 1;
        // Worst cases with the placeholders at their caps: the summary where {summary} is, m carried per thinker.
        int firstRound = tokens(segmentPlan(request.question())) + thinkers * s; // a continuation may drop the question
        int segmentNeed = Math.max(firstRound, tokens(roundPlan) + summaryCap + thinkers * (m + s));
        int segmentPositions = roundPlan.base() + summaryCap + thinkers * (header + m + s);
        int summaryPrompt = tokens(summaryPlan(words.fill(words.summaryUser(), request.question(), "", ""))) + summaryCap;
        int summaryNeed = options.summaryPerThinker() ? thinkers * (summaryPrompt + pieceCap + bigM)
                : summaryPrompt + thinkers * pieceCap + bigM;
        int summaryPositions = summaryPrompt + (options.summaryPerThinker() ? pieceCap : thinkers * pieceCap) + bigM;
        int finalNeed = request.synthesize()
                ? tokens(finalPlan(words.fill(words.finalAnswer(), request.question(), "", null))) + summaryCap
                        + request.synthesisTokens()
                : 0;
        this.bound = Math.max(segmentNeed, Math.max(summaryNeed, finalNeed));
        int context = model.config().maxPositions();
        int positions = Math.max(segmentPositions, Math.max(summaryPositions, finalNeed));
        if (positions > context) {
            throw new IllegalArgumentException("a round needs up to " + positions + " positions (prompt and summary "
                    + (roundPlan.base() + summaryCap) + ", " + thinkers + " thinker(s) x (header " + header + " + carry "
                    + m + " + segment " + s + "), summary step " + summaryPositions + "), but the model's context is "
                    + context + "; lower the segment, carry or summary tokens, or the thinkers");
        }
        int budget = scheduler.options().kvTokens();
        if (bound > budget) {
            throw new IllegalArgumentException("a round needs up to " + bound + " KV tokens but the engine's KV budget"
                    + " is " + budget + " tokens; lower the segment, carry or summary tokens, or the thinkers");
        }
    }

    /** K/V slots one round fills at most: prompt + summary + N * (S + m) + M, with the templates' tokens. */
    public int bound() {
        return bound;
    }

    /** Queues round 1; the result completes when the last round (and the final-answer lane) ends. */
    public RoundSession start() {
        step(() -> startRound(false)); // a failure (the engine refused it, a listener threw) completes the result
        return this;
    }

    public CompletableFuture<RoundsResult> result() {
        return result;
    }

    public RoundsResult await() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a session in rounds", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops after the running step; the result completes with a CancellationException. */
    public synchronized void cancel() {
        cancelled = true;
        current.forEach(SessionHandle::cancel);
    }

    // ---- the rounds ----

    private void startRound(boolean next) {
        int r = rounds.size() + 1;
        String question = r == 1 ? request.question() : words.fill(words.continuation(), request.question(), summary,
                null);
        PromptPlan plan = withCarry(segmentPlan(question), carry);
        GroupThinkRequest segment = copy(request, question, request.mode(), thinkers, options.segmentTokens(),
                Math.min(request.minTokens(), options.segmentTokens()),
                request.template(), request.stopStrings());
        GroupThinkSession session = model.newSession(segment, plan, new SessionListener() {
            @Override
            public void onToken(ThinkerEvent event) {
                listener.onToken(r, event);
            }
        }, hooks.segment(r));
        int[][] carried = carry;
        tell(() -> listener.onRoundStart(r, question));
        submit(List.of(session), next).thenAccept(done -> step(() -> summarise(r, question, carried, done.get(0))));
    }

    private void summarise(int r, String question, int[][] carried, GroupThinkResult segment) {
        List<String> pieces = new ArrayList<>();
        for (GroupThinkResult.ThinkerResult t : segment.thinkers()) {
            pieces.add(clip(t.label() + t.text() + "\n", pieceCap));
            markerReached |= options.finalMarker() != null && t.text().contains(options.finalMarker());
        }
        List<GroupThinkSession> sessions = new ArrayList<>();
        List<String> asks = options.summaryPerThinker() ? pieces : List.of(String.join("", pieces));
        for (int n = 0; n < asks.size(); n++) {
            int lane = n;
            String ask = words.fill(words.summaryUser(), request.question(), summary, asks.get(n));
            GroupThinkRequest q = copy(request, ask, Mode.COT, 1, options.summaryTokens(), 0, summaryTemplate(), List.of());
            sessions.add(model.newSession(q, summaryPlan(ask), new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    listener.onSummaryToken(r, new ThinkerEvent(e.session(), lane, e.step(), e.token(), e.text(),
                            false));
                }
            }, hooks.summary(r)));
        }
        long t0 = System.nanoTime();
        submit(sessions, true).thenAccept(done -> step(() -> endRound(r, question, carried, segment, done,
                (System.nanoTime() - t0) / 1e6)));
    }

    private void endRound(int r, String question, int[][] carried, GroupThinkResult segment,
            List<GroupThinkResult> summaries, double summaryMillis) {
        List<GroupThinkResult.ThinkerResult> lanes = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long kvBytes = 0;
        for (int n = 0; n < summaries.size(); n++) {
            GroupThinkResult.ThinkerResult s = summaries.get(n).thinkers().get(0);
            lanes.add(s);
            text.append(summaries.size() > 1 ? label(n + 1) : "").append(s.text().strip())
                    .append(summaries.size() > 1 ? "\n" : "");
            kvBytes += summaries.get(n).kvBytes();
            markerReached |= options.finalMarker() != null && s.text().contains(options.finalMarker());
        }
        summary = clip(text.toString().strip(), summaryCap);
        int bytesPerToken = (int) (scheduler.stats().kvBytesCapacity() / scheduler.stats().kvTokensCapacity());
        int kvTokens = (int) (Math.max(segment.kvBytes(), kvBytes) / bytesPerToken);
        List<Double> steps = segment.stepMillis();
        List<Double> decode = List.copyOf(steps.subList(steps.size() - segment.decodeSteps(), steps.size()));
        double segmentMillis = steps.stream().mapToDouble(Double::doubleValue).sum();
        RoundsResult.Round round = new RoundsResult.Round(r, question, carried, segment.thinkers(), List.copyOf(lanes),
                summary, segment.promptTokens(), segment.decodeSteps(), decode, segmentMillis, summaryMillis, kvTokens);
        rounds.add(round);
        int[][] next = new int[thinkers][];
        for (int n = 0; n < thinkers; n++) {
            int[] ids = segment.thinkers().get(n).tokens();
            next[n] = Arrays.copyOfRange(ids, Math.max(0, ids.length - options.carryTokens()), ids.length);
        }
        carry = next;
        tell(() -> listener.onSummary(r, summary));
        tell(() -> listener.onRoundEnd(round));
        if (markerReached || r >= options.rounds()) {
            finish();
        } else {
            startRound(true);
        }
    }

    private void finish() {
        if (!request.synthesize()) {
            complete(null);
            return;
        }
        String ask = words.fill(words.finalAnswer(), request.question(), summary, null);
        GroupThinkRequest q = copy(request, ask, Mode.COT, 1, request.synthesisTokens(), 0, finalTemplate(),
                request.stopStrings());
        GroupThinkSession session = model.newSession(q, finalPlan(ask), new SessionListener() {
            @Override
            public void onToken(ThinkerEvent e) {
                listener.onFinalToken(new ThinkerEvent(e.session(), thinkers, e.step(), e.token(), e.text(), true));
            }
        }, StepHook.NONE);
        submit(List.of(session), true).thenAccept(done -> step(() -> complete(done.get(0).thinkers().get(0))));
    }

    private void complete(GroupThinkResult.ThinkerResult finalLane) {
        RoundsResult out = new RoundsResult(List.copyOf(rounds), finalLane, finalLane == null ? null : finalLane.text(),
                markerReached, bound, (System.nanoTime() - startNanos) / 1e6);
        if (result.complete(out)) {
            tell(() -> listener.onComplete(out));
        }
    }

    // ---- plumbing ----

    /** Queues the step's sessions (ahead of later arrivals after round 1); completes with their results. */
    private CompletableFuture<List<GroupThinkResult>> submit(List<GroupThinkSession> sessions, boolean next) {
        List<SessionHandle> handles;
        synchronized (this) {
            if (cancelled) {
                throw new CancellationException("session in rounds cancelled after round " + rounds.size());
            }
            handles = next ? scheduler.submitNext(sessions) : scheduler.submitAll(sessions);
            current = handles;
        }
        CompletableFuture<?>[] all = handles.stream().map(SessionHandle::result).toArray(CompletableFuture[]::new);
        CompletableFuture<List<GroupThinkResult>> done = CompletableFuture.allOf(all)
                .thenApply(v -> handles.stream().map(h -> h.result().join()).toList());
        done.exceptionally(t -> {
            fail(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
            return null;
        });
        return done;
    }

    /** Runs the next move of the driver; a failure (or a cancel) ends the session in rounds. */
    private void step(Runnable move) {
        try {
            if (cancelled) {
                throw new CancellationException("session in rounds cancelled after round " + rounds.size());
            }
            move.run();
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void fail(Throwable t) {
        synchronized (this) {
            current.forEach(SessionHandle::cancel);
        }
        if (result.completeExceptionally(t)) {
            try {
                listener.onError(t);
            } catch (Throwable ignored) {
                // the session has already failed; the listener's own failure changes nothing
            }
        }
    }

    /** User code: a listener that throws fails this session only. */
    private void tell(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            cancelled = true;
            fail(t);
        }
    }

    /** What opens thinker {@code id}'s summary when each thinker has its own. */
    private static String label(int id) {
        return "Thinker" + id + ": ";
    }

    private PromptPlan segmentPlan(String question) {
        return PromptPlan.build(tokenizer, model.chatTemplate(), request.template(), question, request.mode(),
                thinkers, request.roles(), false);
    }

    private PromptPlan summaryPlan(String ask) {
        return PromptPlan.build(tokenizer, model.chatTemplate(), summaryTemplate(), ask, Mode.COT, 1, List.of(), false);
    }

    private PromptPlan finalPlan(String ask) {
        return PromptPlan.build(tokenizer, model.chatTemplate(), finalTemplate(), ask, Mode.COT, 1, List.of(), false);
    }

    private PromptTemplate summaryTemplate() {
        PromptTemplate t = request.template();
        return new PromptTemplate(t.groupSystem(), words.summarySystem(), "{question}", t.role(), words.summaryHeader(),
                t.synthesis());
    }

    private PromptTemplate finalTemplate() {
        PromptTemplate t = request.template();
        return new PromptTemplate(t.groupSystem(), t.soloSystem(), "{question}", t.role(), t.synthesis(), t.synthesis());
    }

    /** Each thinker's header followed by the tokens it carries over. */
    private static PromptPlan withCarry(PromptPlan plan, int[][] carry) {
        int[][] headers = new int[plan.lanes()][];
        for (int n = 0; n < headers.length; n++) {
            int[] h = plan.headers()[n];
            headers[n] = Arrays.copyOf(h, h.length + carry[n].length);
            System.arraycopy(carry[n], 0, headers[n], h.length, carry[n].length);
        }
        return new PromptPlan(plan.shared(), plan.instructions(), headers, new int[0]);
    }

    private static int tokens(PromptPlan plan) {
        int n = plan.shared().length;
        for (int i = 0; i < plan.lanes(); i++) {
            n += plan.instructions()[i].length + plan.headers()[i].length;
        }
        return n;
    }

    /** The text cut to at most {@code max} tokens, so that what a prompt quotes never outgrows the bound. */
    private String clip(String text, int max) {
        int[] ids = tokenizer.encode(text, false);
        return ids.length <= max ? text : tokenizer.decodeText(Arrays.copyOf(ids, max));
    }

    /** The request of one part of the run; minTokens holds its thinkers (0 for summaries and the answer: they end when done). */
    private static GroupThinkRequest copy(GroupThinkRequest r, String question, Mode mode, int thinkers, int maxTokens,
            int minTokens, PromptTemplate template, List<String> stopStrings) {
        return new GroupThinkRequest(question, thinkers, maxTokens, mode, r.layout(), r.sampling(),
                thinkers == r.thinkers() ? r.roles() : List.of(), stopStrings, false, r.synthesisTokens(),
                r.othersSeeInstructions(), template, r.topLogits(), r.chatVariables(), r.othersSeeReasoning(),
                minTokens);
    }
}
