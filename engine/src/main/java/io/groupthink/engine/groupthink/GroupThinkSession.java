package io.groupthink.engine.groupthink;

import io.groupthink.engine.runtime.Batch;
import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.sampling.Sampler;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.SessionStatus;
import io.groupthink.engine.tokenizer.TextStream;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Group Think request as a state machine that holds no tensors and runs no user callbacks.
 * The scheduler's planner reads its {@link #status() status} and prompt progress; its runner asks
 * it to {@link #placePrompt place a prompt chunk} or {@link #placeDecode place its lanes' tokens}
 * in a shared batch, runs the forward pass, and hands back the logits ({@link #accept}). What a
 * step produced for listeners is taken with {@link #takeEvents()} and delivered off the engine
 * thread. A {@link StepHook}, which looks at logits and may choose tokens, is user code too: a
 * hooked session is CHOOSING after each pass, out of the batch, until {@link #choose()} has run
 * elsewhere and the engine {@link #takeChoices() takes} its picks.
 *
 * <p>Step k feeds every live thinker's k-th token; thinker n's query sees the prompt, its own
 * instructions and every thinker's tokens of steps <= k, so all N next tokens come out of one
 * pass. A finished thinker feeds at most its last token (so the others can see it) and then
 * leaves the batch.
 */
public final class GroupThinkSession {

    private static final AtomicLong IDS = new AtomicLong(1);

    /** What a step produced for the session's listener, delivered later, in order, off the engine thread. */
    public sealed interface Event permits Token, LaneFinished {}

    public record Token(ThinkerEvent event) implements Event {}

    public record LaneFinished(int lane, FinishReason reason) implements Event {}

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
    private volatile SessionStatus status = SessionStatus.WAITING;
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
    private int passes; // forward passes this session took part in
    private volatile boolean cancelRequested;
    private volatile Throwable fault; // a failure raised off the engine thread (listener, slow consumer)
    private Throwable error;
    private GroupThinkResult result;
    private List<Event> events = new ArrayList<>();
    private List<StoredToken> trace; // null unless traced

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
        final Set<Integer> seen = new LinkedHashSet<>(); // ids the repetition penalty applies to: prompt and tokens
        int placed; // tokens this lane has put in position space (header included)
        boolean reasoning; // inside <think>...</think>: hidden from the others when they see only visible text
        int pending = -1; // sampled, not yet fed
        FinishReason finish;
        int stopFrom; // characters of text within the first minTokens - 1 tokens: stop strings ending there do not count

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
            addAll(lanes[n].seen, plan.shared(), plan.instructions()[n], header);
        }
        if (request.synthesize()) {
            int[] s = plan.synthesis();
            lanes[thinkers] = new Lane(thinkers, true, request.synthesisTokens(), request.sampling(), s[s.length - 1],
                    tokenizer.decodeText(s));
            addAll(lanes[thinkers].seen, plan.shared(), s);
        }
    }

    private static void addAll(Set<Integer> set, int[]... parts) {
        for (int[] part : parts) {
            for (int id : part) {
                set.add(id);
            }
        }
    }

    public long id() {
        return id;
    }

    /**
     * An id from the sessions' own sequence, for something that runs as several sessions in turn
     * (a session in rounds) and must be told apart from every session by one id.
     */
    public static long newId() {
        return IDS.getAndIncrement();
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

    public SessionListener listener() {
        return listener;
    }

    public SessionStatus status() {
        return status;
    }

    /** Upper bound of the K/V slots this session can fill. */
    public int maxTokens() {
        int n = plan.shared().length;
        for (int t = 0; t < thinkers; t++) {
            n += plan.instructions()[t].length + plan.headers()[t].length + request.maxTokens();
        }
        return n + (request.synthesize() ? plan.synthesis().length + request.synthesisTokens() : 0);
    }

    /** In a terminal state: finished, cancelled or failed. */
    public boolean isDone() {
        return status.terminal();
    }

    /** Asks the session to stop (any thread); it ends CANCELLED at its next step, keeping what it produced. */
    public void cancel() {
        cancelRequested = true;
    }

    public boolean isCancelled() {
        return cancelRequested;
    }

    /**
     * Asks the engine to fail this session with {@code cause} at its next step (any thread): a
     * listener threw, or its consumer fell too far behind. The first cause wins.
     */
    public void requestFailure(Throwable cause) {
        if (fault == null) {
            fault = cause;
        }
    }

    /** The failure asked for off the engine thread, or null. */
    public Throwable requestedFailure() {
        return fault;
    }

    /** Why the session failed, once FAILED; null otherwise. */
    public Throwable error() {
        return error;
    }

    /** K/V slots this session occupies. */
    public int tokensStored() {
        return tokensStored;
    }

    /** Records every stored token (see {@link #trace()}); before the first step. */
    public GroupThinkSession traced() {
        if (passes > 0) {
            throw new IllegalStateException("session " + id + " has already run; trace it before it starts");
        }
        trace = new ArrayList<>();
        return this;
    }

    /** Every token this session stored, in arrival order, borrowed prompt tokens included; null unless traced. */
    public List<StoredToken> trace() {
        return trace == null ? null : List.copyOf(trace);
    }

    /** The admission: WAITING to PREFILLING. */
    public void admit() {
        expect(SessionStatus.WAITING, "be admitted");
        status = SessionStatus.PREFILLING;
    }

    /**
     * Preemption while prefilling: the stored prompt is dropped (the caller frees its slots) and the
     * session waits again, to recompute it later. Nothing was produced yet, so nothing is lost.
     */
    public void preempt() {
        expect(SessionStatus.PREFILLING, "be preempted");
        status = SessionStatus.WAITING;
        sharedPlaced = -1;
        borrowedPrompt = 0;
        ordinal = 0;
        tokensStored = 0;
        promptTokens = 0;
        prefillPasses = 0;
        passes = 0;
        stepMillis.clear();
        if (trace != null) {
            trace.clear();
        }
    }

    private void expect(SessionStatus s, String what) {
        if (status != s) {
            throw new IllegalStateException("session " + id + " is " + status + "; only a " + s + " session can "
                    + what);
        }
    }

    /**
     * Skips computing the first {@code tokens} shared-prompt tokens because their K/V are already
     * stored (lent by a session whose prompt starts the same way, see KvCache#lend). At least the
     * last shared token is computed, since its logits may be needed. Only before the first chunk.
     */
    public void borrowPrompt(int tokens) {
        if (status.terminal() || status == SessionStatus.DECODING || sharedPlaced >= 0) {
            throw new IllegalStateException("session " + id + " has already started; it can no longer borrow a prompt");
        }
        if (tokens < 0 || tokens >= plan.shared().length) {
            throw new IllegalArgumentException("can borrow 0 to " + (plan.shared().length - 1)
                    + " shared-prompt tokens, not " + tokens);
        }
        borrowedPrompt = tokens;
        if (trace != null) {
            trace.clear();
            for (int i = 0; i < tokens; i++) {
                trace.add(new StoredToken(plan.shared()[i], i, new Owner(id, Owner.SHARED, Owner.PROMPT, i), 0));
            }
        }
    }

    /** Leading shared-prompt tokens this session did not compute (see {@link #borrowPrompt}). */
    public int borrowedPrompt() {
        return borrowedPrompt;
    }

    /** Shared-prompt tokens stored so far, borrowed ones included: the prefix another session can borrow. */
    public int sharedStored() {
        return sharedPlaced < 0 ? borrowedPrompt : sharedPlaced;
    }

    /** Prompt tokens that come with the last prompt chunk: every lane's instructions and header. */
    public int promptTail() {
        int tail = 0;
        for (int n = 0; n < thinkers; n++) {
            tail += plan.instructions()[n].length + plan.headers()[n].length;
        }
        return tail;
    }

    /** Lanes still producing (the synthesis lane counts once it may start). */
    public int lanesAlive() {
        int alive = 0;
        for (Lane lane : lanes) {
            alive += lane.done() ? 0 : 1;
        }
        return alive;
    }

    /**
     * Places a prompt chunk: the next {@code sharedTokens} shared-prompt tokens and, when
     * {@code last}, the rest of the shared prompt and every lane's instructions and header, whose
     * last rows want logits. Each chunk attends to the ones before through the cache. A session
     * whose whole prompt is stored moves to DECODING. Returns the tokens placed.
     */
    public int placePrompt(Batch batch, int sharedTokens, boolean last) {
        expect(SessionStatus.PREFILLING, "prefill");
        begin(batch);
        int before = batch.size();
        int[] shared = plan.shared();
        if (sharedPlaced < 0) {
            sharedPlaced = borrowedPrompt;
            ordinal = borrowedPrompt; // the borrowed tokens hold ordinals and positions [0, borrowed)
        }
        int end = last ? shared.length : Math.min(shared.length, sharedPlaced + Math.max(0, sharedTokens));
        int lastShared = -1;
        for (int i = sharedPlaced; i < end; i++) {
            lastShared = store(batch, shared[i], i, new Owner(id, Owner.SHARED, Owner.PROMPT, ordinal++));
        }
        sharedPlaced = end;
        prefillPasses++;
        if (last) {
            for (int n = 0; n < thinkers; n++) {
                int row = lastShared;
                int[] instructions = plan.instructions()[n];
                for (int i = 0; i < instructions.length; i++) {
                    row = store(batch, instructions[i], shared.length + i,
                            new Owner(id, n, VisibilityRule.INSTRUCTION, ordinal++));
                }
                for (int token : plan.headers()[n]) {
                    row = place(batch, lanes[n], token, VisibilityRule.HEADER);
                }
                batch.wantLogits(row);
                wanted.put(n, row);
            }
            status = SessionStatus.DECODING;
        }
        promptTokens += batch.size() - before;
        return batch.size() - before;
    }

    /** Places this step's decode tokens: every live lane's last sampled token (or the synthesis prompt). */
    public void placeDecode(Batch batch) {
        expect(SessionStatus.DECODING, "decode");
        begin(batch);
        int before = batch.size();
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
    }

    private void begin(Batch batch) {
        wanted.clear();
        placedThisStep = true;
        batch.rule(id, rule);
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
        return store(batch, token, pos, new Owner(id, lane.index, step, ordinal++));
    }

    private int store(Batch batch, int token, int position, Owner owner) {
        tokensStored++;
        if (trace != null) {
            trace.add(new StoredToken(token, position, owner, passes));
        }
        return batch.add(token, position, owner, false);
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
     * Takes the logits of this session's rows ({@code logits[row]}, indexed by batch row). Without
     * a {@link StepHook} it chooses each live lane's next token at once. With one, nothing is
     * chosen here: the session becomes CHOOSING, sits out of the batch, and the engine has
     * {@link #choose()} called on another thread, since a hook is user code. The arrays are read
     * during the call only: a hooked session copies its rows, since the engine's next pass writes
     * the same arrays ({@link io.groupthink.engine.runtime.LogitBuffers}).
     */
    public void accept(float[][] logits, double millis) {
        accept(logits, null, millis);
    }

    /**
     * {@link #accept(float[][], double)}, with argmax[row] the index of the row's largest logit
     * where the pass found it, else -1 ({@link io.groupthink.engine.runtime.Transformer#forward(
     * io.groupthink.engine.runtime.Batch, io.groupthink.engine.runtime.KvCache, int[])}): a greedy
     * lane takes it instead of reading its logits again.
     */
    public void accept(float[][] logits, int[] argmax, double millis) {
        if (!placedThisStep || status.terminal()) {
            return; // nothing of this session was in the pass
        }
        placedThisStep = false;
        passes++;
        stepMillis.add(millis);
        decodeSteps = stepMillis.size() - prefillPasses;
        List<Choice> asked = new ArrayList<>(wanted.size());
        for (Map.Entry<Integer, Integer> e : wanted.entrySet()) {
            Lane lane = lanes[e.getKey()];
            int row = e.getValue();
            float[] l = hook == StepHook.NONE ? logits[row] : logits[row].clone(); // the hook runs after the next pass
            asked.add(new Choice(lane, lane.tokens.size(), l, argmax == null ? -1 : argmax[row]));
        }
        wanted.clear();
        if (hook == StepHook.NONE || asked.isEmpty()) { // no user code to run (a prompt chunk wants no logits)
            try {
                choose(asked);
                record(asked);
            } catch (Throwable t) { // the sampler or the tokenizer failed on these: this session ends, the batch goes on
                fail(t);
            }
            return;
        }
        choices = asked;
        chosen = false;
        status = SessionStatus.CHOOSING;
    }

    /**
     * One lane's pick at one step. The lane's sampler and the ids it has seen are read only by
     * whoever chooses, while the engine leaves the session out of the batch; {@code token} and
     * {@code top} are what it hands back (a failure goes to {@code chooseFailure}).
     */
    private static final class Choice {
        final Lane lane;
        final int index;
        final float[] logits;
        final int argmax; // the first largest logit's index, or -1
        float[][] top;
        int token = -1;

        Choice(Lane lane, int index, float[] logits, int argmax) {
            this.lane = lane;
            this.index = index;
            this.logits = logits;
            this.argmax = argmax;
        }
    }

    private List<Choice> choices = List.of(); // the CHOOSING step's picks
    private volatile boolean chosen; // written last by choose(): the picks are complete
    private Throwable chooseFailure;

    /**
     * Runs the {@link StepHook} and samples this step's tokens of a CHOOSING session. Called off
     * the engine thread, once per CHOOSING step; it touches only the lanes' samplers and what it
     * hands back, so the engine may cancel or fail the session meanwhile, and then ignores it. A
     * hook that throws (any Throwable) or returns a token outside the vocabulary fails this
     * session only, when the engine takes the picks.
     */
    public void choose() {
        try {
            choose(choices);
        } catch (Throwable t) {
            chooseFailure = t;
        } finally {
            chosen = true;
        }
    }

    /** Whether a CHOOSING session's picks are ready for {@link #takeChoices()}. */
    public boolean choicesReady() {
        return status == SessionStatus.CHOOSING && chosen;
    }

    /** Engine thread: records the picks {@link #choose()} made; the session decodes on, finishes or fails. */
    public void takeChoices() {
        expect(SessionStatus.CHOOSING, "take its choices");
        if (!chosen) {
            throw new IllegalStateException("session " + id + " is still choosing");
        }
        List<Choice> picks = choices;
        choices = List.of();
        Throwable failure = chooseFailure;
        chooseFailure = null;
        if (failure != null) {
            fail(failure);
            return;
        }
        status = SessionStatus.DECODING;
        if (cancelRequested) {
            return; // the picks may be partial (choose() stops at a cancel); the planner ends the session this step
        }
        try {
            record(picks);
        } catch (Throwable t) { // the tokenizer failed on a token the hook chose: this session ends
            fail(t);
        }
    }

    private void choose(List<Choice> asked) {
        for (Choice c : asked) {
            if (hook != StepHook.NONE && (cancelRequested || status.terminal())) {
                return; // the engine ends the session: the other lanes' hook calls would be for nothing
            }
            Lane lane = c.lane;
            float[] l = c.logits;
            // the pass's argmax holds while the logits are as it saw them: no hook has had them (user
            // code may change them), and no stop token it named was masked below
            int argmax = hook == StepHook.NONE ? c.argmax : -1;
            hook.logits(lane.index, c.index, l);
            if (request.topLogits() > 0) {
                c.top = Sampler.topK(l, request.topLogits());
            }
            if (c.index < minTokens(lane) && !stopIds.isEmpty()) {
                // the stop tokens leave the choice; a hook may hold on to the logits it saw, so it keeps those
                // (without one the array is the pass's, written again by the next, and a 600 KB copy a
                // lane a step would be for nothing)
                l = hook == StepHook.NONE ? l : l.clone();
                for (int stop : stopIds) {
                    if (stop < l.length) {
                        l[stop] = Float.NEGATIVE_INFINITY;
                    }
                }
                if (stopIds.contains(argmax)) {
                    argmax = -1;
                }
            }
            int token = hook.override(lane.index, c.index, lane.sampler.sample(l, lane.seen, argmax));
            if (token < 0 || token >= l.length) {
                throw new IllegalArgumentException("StepHook.override returned token id " + token + " for lane "
                        + lane.index + ", outside the vocabulary [0, " + l.length + ")");
            }
            c.token = token;
        }
    }

    /** Tokens a lane produces before a stop token or stop string may end it: the request's minTokens, within its budget. */
    private int minTokens(Lane lane) {
        return Math.min(request.minTokens(), lane.budget);
    }

    /** Engine thread: appends the chosen tokens, ends lanes at stop tokens, stop strings or budget. */
    private void record(List<Choice> picks) {
        for (Choice c : picks) {
            Lane lane = c.lane;
            if (c.top != null) {
                lane.top.add(c.top);
            }
            int token = c.token;
            if (token < 0) {
                throw new IllegalStateException("session " + id + ": no token was chosen for lane " + lane.index);
            }
            if (stopIds.contains(token)) {
                finish(lane, FinishReason.EOS);
                continue;
            }
            lane.tokens.add(token);
            lane.seen.add(token);
            lane.pending = token;
            if (listener != SessionListener.NONE) {
                String delta = lane.text.push(token);
                events.add(new Token(new ThinkerEvent(id, lane.index, c.index, token, delta, lane.synthesis)));
            } else {
                lane.text.add(token); // decoded when read: by the stop strings below, if any, else once for the result
            }
            if (lane.tokens.size() < minTokens(lane)) {
                if (!request.stopStrings().isEmpty()) {
                    lane.stopFrom = lane.text.text().length(); // as vLLM: no stop string within the first min_tokens - 1
                }
            } else if (hitStopString(lane)) {
                finish(lane, FinishReason.STOP);
            } else if (lane.tokens.size() >= lane.budget) {
                finish(lane, FinishReason.LENGTH);
            }
        }
        boolean allDone = true;
        for (int n = 0; n < thinkers; n++) {
            allDone &= lanes[n].done();
        }
        if (allDone && (!request.synthesize() || lanes[thinkers].done())) {
            complete(SessionStatus.FINISHED);
        }
    }

    /** The listener events produced since the last call, in order. */
    public List<Event> takeEvents() {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Event> out = events;
        events = new ArrayList<>();
        return out;
    }

    /**
     * Ends a running or waiting session as CANCELLED: live lanes finish CANCELLED and the result
     * keeps what was produced.
     */
    public void stopCancelled() {
        if (status.terminal()) {
            return;
        }
        for (Lane lane : lanes) {
            if (!lane.done()) {
                finish(lane, FinishReason.CANCELLED);
            }
        }
        complete(SessionStatus.CANCELLED);
    }

    private boolean hitStopString(Lane lane) {
        return !request.stopStrings().isEmpty() && stopAt(lane, lane.text.text()) >= 0;
    }

    /** Where the first stop string that counts starts in a lane's text (one ending past {@code stopFrom}), or -1. */
    private int stopAt(Lane lane, String text) {
        int first = -1;
        for (String s : request.stopStrings()) {
            int at = text.indexOf(s, Math.max(0, lane.stopFrom - s.length() + 1));
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    private void finish(Lane lane, FinishReason reason) {
        lane.finish = reason;
        if (reason == FinishReason.EOS || reason == FinishReason.CANCELLED) {
            lane.pending = -1;
        }
        events.add(new LaneFinished(lane.index, reason));
    }

    /**
     * Ends the session FAILED with {@code cause}, unless it already failed or was cancelled; a
     * finished session fails too (its listener failed to take the result).
     */
    public void fail(Throwable cause) {
        if (status != SessionStatus.FAILED && status != SessionStatus.CANCELLED) {
            error = cause;
            status = SessionStatus.FAILED;
        }
    }

    private void complete(SessionStatus end) {
        List<GroupThinkResult.ThinkerResult> out = new ArrayList<>();
        for (int n = 0; n < thinkers; n++) {
            out.add(resultOf(lanes[n]));
        }
        GroupThinkResult.ThinkerResult synthesis = request.synthesize() ? resultOf(lanes[thinkers]) : null;
        double wall = (System.nanoTime() - startNanos) / 1e6;
        result = new GroupThinkResult(id, List.copyOf(out), synthesis, synthesis == null ? null : synthesis.text(),
                promptTokens, decodeSteps, List.copyOf(stepMillis), wall, 0, List.copyOf(batchRows));
        status = end;
    }

    private GroupThinkResult.ThinkerResult resultOf(Lane lane) {
        String text = lane.text.text();
        if (lane.finish == FinishReason.STOP) {
            text = text.substring(0, stopAt(lane, text));
        }
        int[] ids = lane.tokens.stream().mapToInt(Integer::intValue).toArray();
        return new GroupThinkResult.ThinkerResult(lane.index, lane.label, ids, text, lane.finish, List.copyOf(lane.top));
    }

    /** The result, once done; with {@code kvBytes} filled in from the cache's per-token size. */
    public GroupThinkResult result(long kvBytesPerToken) {
        if (result == null) {
            throw new IllegalStateException("session " + id + " is " + status + "; it has no result");
        }
        GroupThinkResult r = result;
        return new GroupThinkResult(r.session(), r.thinkers(), r.synthesis(), r.finalAnswer(), r.promptTokens(),
                r.decodeSteps(), r.stepMillis(), r.wallMillis(), tokensStored * kvBytesPerToken, r.batchRows());
    }
}
