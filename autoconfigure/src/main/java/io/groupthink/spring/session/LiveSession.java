package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A session in flight, as the actuator endpoint shows it. Progress is written off the engine
 * thread (listeners) and read from any thread, hence the atomic arrays. A session in rounds is one
 * entry however many engine sessions it runs in turn: its lanes show the current round.
 */
public final class LiveSession {

    private final long id;
    private final String surface;
    private final String question;
    private final GroupThinkRequest request;
    private final long startedMillis = System.currentTimeMillis();
    private final AtomicIntegerArray tokens;
    private final AtomicReferenceArray<FinishReason> finished;
    private final int maxRounds; // 0: not in rounds
    private final int segmentTokens;
    private volatile Double queueMillis;
    private volatile Runnable cancel;
    private volatile int round;
    private volatile String phase;

    LiveSession(long id, String surface, String question, GroupThinkRequest request, int lanes) {
        this(id, surface, question, request, lanes, 0, 0);
    }

    /** A session in rounds: at most {@code maxRounds} rounds of {@code segmentTokens} per thinker. */
    LiveSession(long id, String surface, String question, GroupThinkRequest request, int lanes, int maxRounds,
            int segmentTokens) {
        this.id = id;
        this.surface = surface;
        this.question = question.length() > 120 ? question.substring(0, 117) + "..." : question;
        this.request = request;
        this.tokens = new AtomicIntegerArray(lanes);
        this.finished = new AtomicReferenceArray<>(lanes);
        this.maxRounds = maxRounds;
        this.segmentTokens = segmentTokens;
    }

    void token(int lane) {
        if (queueMillis == null && maxRounds > 0) {
            admitted(System.currentTimeMillis() - startedMillis); // a session in rounds: until its first token
        }
        tokens.incrementAndGet(lane);
    }

    /** Round {@code r} starts: the lanes count from zero again. */
    void round(int r) {
        for (int i = 0; i < tokens.length(); i++) {
            tokens.set(i, 0);
            finished.set(i, null);
        }
        round = r;
        phase = "segment";
    }

    void phase(String phase) {
        this.phase = phase;
    }

    void finished(int lane, FinishReason reason) {
        finished.set(lane, reason);
    }

    void bind(Runnable cancel) {
        this.cancel = cancel;
    }

    /** Cancels the engine session (a session in rounds: its running step); its KV memory is freed at the next step. */
    void cancel() {
        Runnable c = cancel;
        if (c != null) {
            c.run();
        }
    }

    void admitted(double queueMillis) {
        this.queueMillis = queueMillis;
    }

    public long id() {
        return id;
    }

    /** Which API started it: client, chat-model, agents. */
    public String surface() {
        return surface;
    }

    public String question() {
        return question;
    }

    public GroupThinkRequest request() {
        return request;
    }

    public long startedMillis() {
        return startedMillis;
    }

    /** Time spent waiting for KV memory, or null while still queued. */
    public Double queueMillis() {
        return queueMillis;
    }

    public String state() {
        return queueMillis == null ? "queued" : "running";
    }

    /** Where a session in rounds is, or null for any other session. */
    public RoundProgress rounds() {
        return maxRounds == 0 ? null : new RoundProgress(round, maxRounds, phase);
    }

    /** Per lane (thinkers, then the final answer if any): tokens so far and why it stopped, if it has. */
    public List<LaneProgress> lanes() {
        List<LaneProgress> out = new ArrayList<>();
        int thinkers = request.thinkers();
        for (int i = 0; i < tokens.length(); i++) {
            boolean synthesis = i == thinkers;
            String role = !synthesis && i < request.roles().size() ? request.roles().get(i) : null;
            out.add(new LaneProgress(synthesis ? 0 : i + 1, role, synthesis, tokens.get(i),
                    synthesis ? request.synthesisTokens() : maxRounds > 0 ? segmentTokens : request.maxTokens(),
                    finished.get(i)));
        }
        return out;
    }

    /**
     * @param thinker 1-based thinker number, 0 for the final-answer lane
     * @param budget  its token budget
     * @param finish  null while it is still writing
     */
    /**
     * @param round  the round running (1-based), 0 before the first starts
     * @param rounds at most this many rounds (R)
     * @param phase  segment, summary or final answer; null before the first round starts
     */
    public record RoundProgress(int round, int rounds, String phase) {}

    public record LaneProgress(int thinker, String role, boolean synthesis, int tokens, int budget,
            FinishReason finish) {}
}
