package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.scheduler.SessionHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A session in flight, as the actuator endpoint shows it. Progress is written on the engine
 * thread and read from any thread, hence the atomic arrays.
 */
public final class LiveSession {

    private final long id;
    private final String surface;
    private final String question;
    private final GroupThinkRequest request;
    private final long startedMillis = System.currentTimeMillis();
    private final AtomicIntegerArray tokens;
    private final AtomicReferenceArray<FinishReason> finished;
    private volatile Double queueMillis;
    private volatile SessionHandle handle;

    LiveSession(long id, String surface, String question, GroupThinkRequest request, int lanes) {
        this.id = id;
        this.surface = surface;
        this.question = question.length() > 120 ? question.substring(0, 117) + "..." : question;
        this.request = request;
        this.tokens = new AtomicIntegerArray(lanes);
        this.finished = new AtomicReferenceArray<>(lanes);
    }

    void token(int lane) {
        tokens.incrementAndGet(lane);
    }

    void finished(int lane, FinishReason reason) {
        finished.set(lane, reason);
    }

    void bind(SessionHandle handle) {
        this.handle = handle;
    }

    /** Cancels the engine session; its KV memory is freed at the next step. */
    void cancel() {
        SessionHandle h = handle;
        if (h != null) {
            h.cancel();
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

    /** Per lane (thinkers, then the final answer if any): tokens so far and why it stopped, if it has. */
    public List<LaneProgress> lanes() {
        List<LaneProgress> out = new ArrayList<>();
        int thinkers = request.thinkers();
        for (int i = 0; i < tokens.length(); i++) {
            boolean synthesis = i == thinkers;
            String role = !synthesis && i < request.roles().size() ? request.roles().get(i) : null;
            out.add(new LaneProgress(synthesis ? 0 : i + 1, role, synthesis, tokens.get(i),
                    synthesis ? request.synthesisTokens() : request.maxTokens(), finished.get(i)));
        }
        return out;
    }

    /**
     * @param thinker 1-based thinker number, 0 for the final-answer lane
     * @param budget  its token budget
     * @param finish  null while it is still writing
     */
    public record LaneProgress(int thinker, String role, boolean synthesis, int tokens, int budget,
            FinishReason finish) {}
}
