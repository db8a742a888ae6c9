package io.groupthink.engine.groupthink;

import io.groupthink.engine.runtime.Batch;
import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.sampling.Sampler;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.tokenizer.TextStream;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Group Think request as a state machine that holds no tensors: each step it
 * {@link #contribute contributes} its tokens (with owners and positions) to a shared batch, and
 * {@link #accept accepts} the logits of its rows. A driver or scheduler runs the forward pass in
 * between, so several sessions can share one batch.
 *
 * <p>Step k feeds every live thinker's k-th token; thinker n's query sees the prompt, its own
 * instructions and every thinker's tokens of steps <= k, so all N next tokens come out of one
 * pass. A finished thinker feeds at most its last token (so the others can see it) and then
 * leaves the batch.
 */
public final class GroupThinkSession {

    private static final AtomicLong IDS = new AtomicLong(1);

    private enum Phase { PREFILL, DECODE, DONE }

    private final long id = IDS.getAndIncrement();
    private final GroupThinkRequest request;
    private final PromptPlan plan;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;
    private final VisibilityRule rule;
    private final int thinkOpen; // the <think> / </think> token ids when reasoning is hidden, else -1
    private final int thinkClose;
    private final PositionPolicy positions;
    private final SessionListener listener;
    private final StepHook hook;
    private final Lane[] lanes; // thinkers, then the synthesis lane if any
    private final int thinkers;
    private final Map<Integer, Integer> wanted = new LinkedHashMap<>(); // lane -> batch row
    private final List<Double> stepMillis = new ArrayList<>();
    private final List<Integer> batchRows = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private Phase phase = Phase.PREFILL;
    private boolean synthesisStarted;
    private int ordinal;
    private int arrival;
    private int promptTokens;
    private int borrowedPrompt; // leading shared-prompt tokens whose K/V another session lent
    private int sharedPlaced = -1; // shared-prompt tokens stored so far (borrowed included); -1 before the first chunk
    private int prefillPasses;
    private boolean placedThisStep;
    private int tokensStored;
    private int decodeSteps;
    private volatile boolean cancelRequested;
    private volatile Throwable listenerError;
    private GroupThinkResult result;

    /** A thinker (or the synthesis lane). */
    private final class Lane {
        final int index;
        final boolean synthesis;
        final int budget;
        final Sampler sampler;
        final TextStream text;
        final String label;
        final List<Integer> tokens = new ArrayList<>();
        final List<float[][]> top = new ArrayList<>();
        int placed; // tokens this lane has put in position space (header included)
        boolean reasoning; // inside <think>...</think>: hidden from the others when they see only visible text
        int pending = -1; // sampled, not yet fed
        FinishReason finish;

        Lane(int index, boolean synthesis, int budget, SamplingOptions sampling, int contextToken, String label) {
            this.index = index;
            this.synthesis = synthesis;
            this.budget = budget;
            this.sampler = new Sampler(sampling.forLane(index));
            this.text = new TextStream(tokenizer, contextToken);
            this.label = label;
        }

        boolean done() {
            return finish != null;
        }
    }

    /**
     * @param maxPositions the model's context length; the session is refused before any memory
     *                     is allocated if its prompt and budgets do not fit
     */
    public GroupThinkSession(GroupThinkRequest request, PromptPlan plan, Tokenizer tokenizer, Set<Integer> stopIds,
            int maxPositions, SessionListener listener, StepHook hook) {
        this.request = request;
        this.plan = plan;
        this.tokenizer = tokenizer;
        this.stopIds = Set.copyOf(stopIds);
        this.listener = listener == null ? SessionListener.NONE : listener;
        this.hook = hook == null ? StepHook.NONE : hook;
        this.thinkers = plan.lanes();
        if (plan.shared().length + plan.instructions()[0].length + plan.headers()[0].length == 0) {
            throw new IllegalArgumentException("prompt is empty");
        }
        if (request.synthesize() && plan.synthesis().length == 0) {
            throw new IllegalArgumentException("synthesis prompt is empty");
        }
        int slot = plan.maxHeader() + request.maxTokens();
        int synthesisExtent = request.synthesize() ? plan.synthesis().length + request.synthesisTokens() : 0;
        int positionsNeeded = plan.base() + thinkers * slot + synthesisExtent;
        if (positionsNeeded > maxPositions) {
            throw new IllegalArgumentException("prompt of " + plan.base() + " tokens plus " + thinkers
                    + " thinker(s) x " + slot + " positions" + (synthesisExtent > 0 ? " plus synthesis " + synthesisExtent : "")
                    + " needs " + positionsNeeded + " positions, but the model's context is " + maxPositions);
        }
        this.rule = new VisibilityRule(request.mode(), request.synthesize() ? thinkers : Integer.MIN_VALUE,
                request.othersSeeInstructions());
        this.thinkOpen = request.othersSeeReasoning() ? -1 : singleToken(tokenizer, ThinkSpan.OPEN);
        this.thinkClose = request.othersSeeReasoning() ? -1 : singleToken(tokenizer, ThinkSpan.CLOSE);
        if (request.mode() == Mode.GROUP_THINK) {
            this.positions = request.layout().policy(plan.base(), slot);
        } else {
            int[] starts = new int[thinkers];
            for (int n = 0; n < thinkers; n++) {
                starts[n] = plan.shared().length + plan.instructions()[n].length;
            }
            this.positions = PositionPolicy.perLane(starts, plan.base() + thinkers * slot);
        }
        int lastPrompt = plan.shared().length > 0 ? plan.shared()[plan.shared().length - 1] : -1;
        this.lanes = new Lane[thinkers + (request.synthesize() ? 1 : 0)];
        for (int n = 0; n < thinkers; n++) {
            int[] header = plan.headers()[n];
            int context = header.length > 0 ? header[header.length - 1]
                    : plan.instructions()[n].length > 0 ? plan.instructions()[n][plan.instructions()[n].length - 1]
                    : lastPrompt;
            lanes[n] = new Lane(n, false, request.maxTokens(), request.sampling(), context,
                    tokenizer.decodeText(header));
            lanes[n].reasoning = thinkOpen >= 0 && opensReasoning(n);
        }
        if (request.synthesize()) {
            int[] s = plan.synthesis();
            lanes[thinkers] = new Lane(thinkers, true, request.synthesisTokens(), request.sampling(), s[s.length - 1],
                    tokenizer.decodeText(s));
        }
    }

    public long id() {
        return id;
    }

    public PromptPlan plan() {
        return plan;
    }

    public VisibilityRule rule() {
        return rule;
    }

    public GroupThinkRequest request() {
        return request;
    }

    /** Upper bound of the K/V slots this session can fill. */
    public int maxTokens() {
        int n = plan.shared().length;
        for (int t = 0; t < thinkers; t++) {
            n += plan.instructions()[t].length + plan.headers()[t].length + request.maxTokens();
        }
        return n + (request.synthesize() ? plan.synthesis().length + request.synthesisTokens() : 0);
    }

    public boolean isDone() {
        return phase == Phase.DONE;
    }

    /** Asks the session to stop; it ends at its next step, keeping what it produced. */
    public void cancel() {
        cancelRequested = true;
    }

    public boolean isCancelled() {
        return cancelRequested;
    }

    /** K/V slots this session occupies. */
    public int tokensStored() {
        return tokensStored;
    }

    /**
     * Skips computing the first {@code tokens} shared-prompt tokens because their K/V are already
     * stored (lent by a session whose prompt starts the same way, see KvCache#lend). At least the
     * last shared token is computed, since its logits may be needed. Only before the first step.
     */
    public void borrowPrompt(int tokens) {
        if (phase != Phase.PREFILL || sharedPlaced >= 0) {
            throw new IllegalStateException("session " + id + " has already started; it can no longer borrow a prompt");
        }
        if (tokens < 0 || tokens >= plan.shared().length) {
            throw new IllegalArgumentException("can borrow 0 to " + (plan.shared().length - 1)
                    + " shared-prompt tokens, not " + tokens);
        }
        borrowedPrompt = tokens;
    }

    /** Leading shared-prompt tokens this session did not compute (see {@link #borrowPrompt}). */
    public int borrowedPrompt() {
        return borrowedPrompt;
    }

    /** Adds this step's tokens to {@code batch}, the whole prompt at once. Does nothing once done. */
    public void contribute(Batch batch) {
        contribute(batch, Integer.MAX_VALUE);
    }

    /**
     * Adds this step's tokens to {@code batch}. While prefilling, at most {@code promptBudget}
     * prompt tokens are placed (at least one if the budget allows any): a long shared prompt is
     * prefilled in chunks over several steps, each chunk attending to the ones before through the
     * cache, and the lanes' instructions and headers come with the last chunk. Returns the prompt
     * tokens placed. Does nothing once done.
     */
    public int contribute(Batch batch, int promptBudget) {
        wanted.clear();
        placedThisStep = false;
        if (phase == Phase.DONE) {
            return 0;
        }
        if (cancelRequested) {
            for (Lane lane : lanes) {
                if (!lane.done()) {
                    finish(lane, FinishReason.CANCELLED);
                }
            }
            complete();
            return 0;
        }
        int before = batch.size();
        if (phase == Phase.PREFILL) {
            if (promptBudget > 0) {
                prefill(batch, promptBudget);
            }
            placedThisStep = batch.size() > before;
            return batch.size() - before;
        }
        placedThisStep = true;
        boolean thinkersLive = false;
        for (int n = 0; n < thinkers; n++) {
            thinkersLive |= !lanes[n].done();
        }
        if (thinkersLive || !request.synthesize()) {
            for (int n = 0; n < thinkers; n++) {
                feedPending(batch, lanes[n]);
            }
        } else if (!synthesisStarted) {
            for (int n = 0; n < thinkers; n++) {
                feedPending(batch, lanes[n]); // the last tokens must be visible to the synthesis
            }
            Lane s = lanes[thinkers];
            int row = -1;
            for (int token : plan.synthesis()) {
                row = place(batch, s, token, VisibilityRule.INSTRUCTION);
            }
            batch.wantLogits(row);
            wanted.put(s.index, row);
            synthesisStarted = true;
        } else {
            feedPending(batch, lanes[thinkers]);
        }
        batchRows.add(batch.size() - before);
        return 0;
    }

    /** True until the whole prompt is stored. */
    public boolean prefilling() {
        return phase == Phase.PREFILL;
    }

    private void prefill(Batch batch, int budget) {
        int before = batch.size();
        int[] shared = plan.shared();
        if (sharedPlaced < 0) {
            sharedPlaced = borrowedPrompt;
            ordinal = borrowedPrompt; // the borrowed tokens hold ordinals and positions [0, borrowed)
        }
        int tail = 0;
        for (int n = 0; n < thinkers; n++) {
            tail += plan.instructions()[n].length + plan.headers()[n].length;
        }
        boolean last = shared.length - sharedPlaced + tail <= budget;
        int end = last ? shared.length : Math.min(shared.length, sharedPlaced + budget);
        int lastShared = -1;
        for (int i = sharedPlaced; i < end; i++) {
            lastShared = batch.add(shared[i], i, new Owner(id, Owner.SHARED, Owner.PROMPT, ordinal++), false);
            tokensStored++;
        }
        sharedPlaced = end;
        prefillPasses++;
        if (!last && end < shared.length) {
            promptTokens += batch.size() - before;
            return; // more chunks to come; no logits yet
        }
        for (int n = 0; n < thinkers; n++) {
            int row = lastShared;
            int[] instructions = plan.instructions()[n];
            for (int i = 0; i < instructions.length; i++) {
                row = batch.add(instructions[i], shared.length + i,
                        new Owner(id, n, VisibilityRule.INSTRUCTION, ordinal++), false);
                tokensStored++;
            }
            for (int token : plan.headers()[n]) {
                row = place(batch, lanes[n], token, VisibilityRule.HEADER);
            }
            batch.wantLogits(row);
            wanted.put(n, row);
        }
        promptTokens += batch.size() - before;
        phase = Phase.DECODE;
    }

    /** The id of a tag the tokenizer keeps as one token (reasoning models' think tags), or -1. */
    private static int singleToken(Tokenizer tokenizer, String tag) {
        int[] ids = tokenizer.encode(tag, false);
        return ids.length == 1 ? ids[0] : -1;
    }

    /** Whether a lane's prompt leaves it inside a think span (templates such as DeepSeek-R1's open it). */
    private boolean opensReasoning(int lane) {
        boolean open = false;
        for (int[] part : new int[][] {plan.shared(), plan.instructions()[lane], plan.headers()[lane]}) {
            for (int id : part) {
                open = id == thinkOpen || (open && id != thinkClose);
            }
        }
        return open;
    }

    /** Puts one lane token in position space and in the batch; returns its row. */
    private int place(Batch batch, Lane lane, int token, int step) {
        int pos = positions.position(lane.index, lane.placed++, arrival++);
        tokensStored++;
        return batch.add(token, pos, new Owner(id, lane.index, step, ordinal++), false);
    }

    private void feedPending(Batch batch, Lane lane) {
        if (lane.pending < 0) {
            return;
        }
        int step = lane.tokens.size() - 1;
        if (thinkOpen >= 0 && !lane.synthesis) { // others see only visible text: hide <think> ... </think>
            boolean hide = lane.reasoning || lane.pending == thinkOpen;
            lane.reasoning = lane.pending == thinkOpen || (lane.reasoning && lane.pending != thinkClose);
            step = hide ? VisibilityRule.hidden(step) : step;
        }
        int row = place(batch, lane, lane.pending, step);
        lane.pending = -1;
        if (!lane.done()) {
            batch.wantLogits(row);
            wanted.put(lane.index, row);
        }
    }

    /**
     * Takes the logits of this session's rows ({@code logits[row]}, indexed by batch row) and
     * chooses each live lane's next token.
     */
    public void accept(float[][] logits, double millis) {
        if (phase == Phase.DONE || !placedThisStep) {
            return; // nothing of this session was in the pass (a prefill waiting for budget)
        }
        stepMillis.add(millis);
        decodeSteps = stepMillis.size() - prefillPasses;
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            Lane lane = lanes[e.getKey()];
            float[] l = logits[e.getValue()];
            int index = lane.tokens.size();
            hook.logits(lane.index, index, l);
            if (request.topLogits() > 0) {
                lane.top.add(Sampler.topK(l, request.topLogits()));
            }
            int token = hook.override(lane.index, index, lane.sampler.sample(l, lane.tokens));
            if (stopIds.contains(token)) {
                finish(lane, FinishReason.EOS);
                continue;
            }
            lane.tokens.add(token);
            lane.pending = token;
            String delta = lane.text.push(token);
            notifyToken(new ThinkerEvent(id, lane.index, index, token, delta, lane.synthesis));
            if (hitStopString(lane)) {
                finish(lane, FinishReason.STOP);
            } else if (lane.tokens.size() >= lane.budget) {
                finish(lane, FinishReason.LENGTH);
            }
        }
        wanted.clear();
        boolean allDone = true;
        for (int n = 0; n < thinkers; n++) {
            allDone &= lanes[n].done();
        }
        if (allDone && (!request.synthesize() || lanes[thinkers].done())) {
            complete();
        }
    }

    /** A listener that throws ends its own session (at the next step), never the shared batch. */
    private void notifyToken(ThinkerEvent event) {
        try {
            listener.onToken(event);
        } catch (RuntimeException e) {
            listenerError = e;
            cancelRequested = true;
        }
    }

    /** The exception a listener threw, which cancelled this session; null if none. */
    public Throwable listenerError() {
        return listenerError;
    }

    private boolean hitStopString(Lane lane) {
        if (request.stopStrings().isEmpty()) {
            return false;
        }
        String text = lane.text.text();
        for (String s : request.stopStrings()) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }

    private void finish(Lane lane, FinishReason reason) {
        lane.finish = reason;
        if (reason == FinishReason.EOS || reason == FinishReason.CANCELLED) {
            lane.pending = -1;
        }
        try {
            listener.onLaneFinished(id, lane.index, reason);
        } catch (RuntimeException e) {
            listenerError = e;
        }
    }

    /** Ends the session with an error (the engine failed); listeners hear it once. */
    public void fail(Throwable error) {
        if (phase != Phase.DONE) {
            phase = Phase.DONE;
            listener.onError(id, error);
        }
    }

    private void complete() {
        phase = Phase.DONE;
        List<GroupThinkResult.ThinkerResult> out = new ArrayList<>();
        for (int n = 0; n < thinkers; n++) {
            out.add(resultOf(lanes[n]));
        }
        GroupThinkResult.ThinkerResult synthesis = request.synthesize() ? resultOf(lanes[thinkers]) : null;
        double wall = (System.nanoTime() - startNanos) / 1e6;
        result = new GroupThinkResult(id, List.copyOf(out), synthesis, synthesis == null ? null : synthesis.text(),
                promptTokens, decodeSteps, List.copyOf(stepMillis), wall, 0, List.copyOf(batchRows));
        try {
            listener.onComplete(result);
        } catch (RuntimeException e) {
            listenerError = e;
        }
    }

    private GroupThinkResult.ThinkerResult resultOf(Lane lane) {
        String text = lane.text.text();
        if (lane.finish == FinishReason.STOP) {
            for (String s : request.stopStrings()) {
                int at = text.indexOf(s);
                if (at >= 0) {
                    text = text.substring(0, at);
                }
            }
        }
        int[] ids = lane.tokens.stream().mapToInt(Integer::intValue).toArray();
        return new GroupThinkResult.ThinkerResult(lane.index, lane.label, ids, text, lane.finish, List.copyOf(lane.top));
    }

    /** The result, once done; with {@code kvBytes} filled in from the cache's per-token size. */
    public GroupThinkResult result(long kvBytesPerToken) {
        if (result == null) {
            throw new IllegalStateException("session " + id + " has not completed");
        }
        GroupThinkResult r = result;
        return new GroupThinkResult(r.session(), r.thinkers(), r.synthesis(), r.finalAnswer(), r.promptTokens(),
                r.decodeSteps(), r.stepMillis(), r.wallMillis(), tokensStored * kvBytesPerToken, r.batchRows());
    }
}
