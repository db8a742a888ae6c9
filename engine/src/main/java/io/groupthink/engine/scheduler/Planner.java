package io.groupthink.engine.scheduler;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides each step from session views alone, as vLLM's scheduler does: it touches no tensors,
 * runs no callbacks and keeps no state, so every decision is unit-tested without a model.
 *
 * <ul>
 *   <li><b>Ends.</b> Running sessions that finished, failed off the engine thread or were
 *       cancelled leave, freeing their slots; a waiting session cancelled is dropped, one past
 *       its deadline rejected.</li>
 *   <li><b>Admission.</b> A session reserves its worst case ({@code kvNeed}); the queue is FIFO
 *       with no overtaking, so a large session is not starved by small ones. Newcomers after the
 *       first stop at the prompt budget.</li>
 *   <li><b>Prefix borrowing.</b> A newcomer borrows the longest stored prefix (at least
 *       {@link SchedulerOptions#MIN_SHARED_PREFIX} tokens, never its last prompt token) that a
 *       running session's shared prompt has in common with its own; one that would share more
 *       with a newcomer of the same step waits one step for it to be stored.</li>
 *   <li><b>Chunking and fairness.</b> At most {@code prefillTokensPerStep} prompt tokens per step,
 *       handed out oldest session first; a longer prompt is prefilled over several steps, and
 *       every decoding session feeds one token per live lane at every step.</li>
 *   <li><b>Growth and preemption.</b> When running sessions need more than the budget (a need
 *       grew), the youngest prefilling sessions go back to the queue (they lose only a prompt
 *       chunk); if that is not enough, the grown sessions stall until room frees. A need that
 *       shrank frees room at once.</li>
 * </ul>
 */
public final class Planner {

    private final SchedulerOptions options;

    public Planner(SchedulerOptions options) {
        this.options = options;
    }

    /**
     * @param waiting the queue, oldest first
     * @param running admitted sessions, in admission order
     */
    public StepPlan plan(List<SessionView> waiting, List<SessionView> running, long nowNanos) {
        List<Long> dropped = new ArrayList<>();
        List<Long> expired = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        List<Long> cancelled = new ArrayList<>();
        List<Long> retired = new ArrayList<>();
        List<Long> preempted = new ArrayList<>();
        List<StepPlan.Admission> admitted = new ArrayList<>();
        List<StepPlan.Chunk> prefill = new ArrayList<>();
        List<Long> decode = new ArrayList<>();
        List<Long> stalled = new ArrayList<>();

        List<SessionView> alive = new ArrayList<>();
        for (SessionView v : running) {
            if (v.status().terminal()) {
                retired.add(v.id());
            } else if (v.faulted()) {
                failed.add(v.id());
                retired.add(v.id());
            } else if (v.cancelRequested()) {
                cancelled.add(v.id());
                retired.add(v.id());
            } else {
                alive.add(v);
            }
        }

        long reserved = 0;
        for (SessionView v : alive) {
            reserved += v.kvNeed();
        }
        for (int i = alive.size() - 1; i >= 0 && reserved > options.kvTokens(); i--) {
            SessionView v = alive.get(i); // youngest first, as vLLM preempts the lowest priority
            if (v.status() == SessionStatus.PREFILLING && v.kvNeed() <= v.kvGranted()) {
                preempted.add(v.id());
                reserved -= v.kvNeed();
                alive.remove(i);
            }
        }
        Set<Long> stall = new HashSet<>();
        if (reserved > options.kvTokens()) {
            for (SessionView v : alive) {
                if (v.kvNeed() > v.kvGranted()) {
                    stall.add(v.id());
                    stalled.add(v.id());
                }
            }
        }

        List<SessionView> newcomers = new ArrayList<>();
        boolean blocked = !preempted.isEmpty(); // the preempted go first once there is room
        int newcomerPrompt = 0;
        for (SessionView w : waiting) {
            if (w.cancelRequested() || w.faulted()) {
                dropped.add(w.id());
                continue;
            }
            if (nowNanos > w.deadlineNanos()) {
                expired.add(w.id());
                continue;
            }
            if (blocked || reserved + w.kvNeed() > options.kvTokens()) {
                blocked = true; // FIFO: no overtaking; later ones may still be dropped or expire
                continue;
            }
            Donor donor = options.prefixSharing() ? donor(w, alive) : Donor.NONE;
            if (!newcomers.isEmpty() && options.prefixSharing() && sharedWith(w, newcomers)
                    >= Math.max(SchedulerOptions.MIN_SHARED_PREFIX, donor.tokens + 1)) {
                blocked = true; // next step it can borrow what a newcomer of this step computes
                continue;
            }
            int toCompute = w.sharedPrompt().length - donor.tokens + w.promptTail();
            if (!newcomers.isEmpty() && newcomerPrompt + toCompute > options.prefillTokensPerStep()) {
                blocked = true;
                continue;
            }
            reserved += w.kvNeed();
            newcomerPrompt += toCompute;
            admitted.add(new StepPlan.Admission(w.id(), donor.session, donor.tokens));
            newcomers.add(new SessionView(w.id(), SessionStatus.PREFILLING, w.kvNeed(), w.kvNeed(), w.sharedPrompt(),
                    donor.tokens, w.promptTail(), w.lanesAlive(), false, false, w.deadlineNanos()));
        }

        int budget = options.prefillTokensPerStep();
        List<SessionView> order = new ArrayList<>(alive);
        order.addAll(newcomers);
        for (SessionView v : order) {
            if (stall.contains(v.id())) {
                continue;
            }
            if (v.status() == SessionStatus.DECODING) {
                decode.add(v.id());
            } else if (v.status() == SessionStatus.PREFILLING && budget > 0) {
                int left = v.promptLeft();
                if (left <= budget) {
                    prefill.add(new StepPlan.Chunk(v.id(), left, true));
                    budget -= left + v.promptTail();
                } else {
                    prefill.add(new StepPlan.Chunk(v.id(), budget, false));
                    budget = 0;
                }
            }
        }
        return new StepPlan(dropped, expired, failed, cancelled, retired, preempted, admitted, prefill, decode,
                stalled);
    }

    private record Donor(long session, int tokens) {
        static final Donor NONE = new Donor(0, 0);
    }

    /** The running session whose stored shared prompt has the longest borrowable prefix in common, if long enough. */
    private static Donor donor(SessionView w, List<SessionView> alive) {
        Donor best = Donor.NONE;
        for (SessionView d : alive) {
            int common = Math.min(borrowable(w.sharedPrompt(), d.sharedPrompt()), d.sharedStored());
            if (common >= SchedulerOptions.MIN_SHARED_PREFIX && common > best.tokens) {
                best = new Donor(d.id(), common);
            }
        }
        return best;
    }

    private static int sharedWith(SessionView w, List<SessionView> newcomers) {
        int best = 0;
        for (SessionView n : newcomers) {
            best = Math.max(best, borrowable(w.sharedPrompt(), n.sharedPrompt()));
        }
        return best;
    }

    /**
     * Leading tokens of {@code prompt} that {@code other} also starts with, less the last prompt
     * token, which is always computed: its logits may be needed.
     */
    static int borrowable(int[] prompt, int[] other) {
        int n = Math.min(prompt.length - 1, other.length);
        int i = 0;
        while (i < n && prompt[i] == other[i]) {
            i++;
        }
        return i;
    }
}
