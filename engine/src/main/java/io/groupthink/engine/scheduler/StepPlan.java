package io.groupthink.engine.scheduler;

import java.util.List;

/**
 * One step's decisions, in the order the runner applies them.
 *
 * @param dropped    waiting sessions cancelled (or failed) before admission
 * @param expired    waiting sessions that waited past their deadline: rejected as busy
 * @param failed     running sessions a failure was raised for off the engine thread
 * @param cancelled  running sessions whose caller asked them to stop
 * @param retired    running sessions that ended (finished, cancelled or failed): their slots are freed
 * @param preempted  prefilling sessions sent back to the head of the queue, their slots freed, so
 *                   that an older session's grown KV need fits; they recompute their prompt later
 * @param admitted   sessions admitted this step, in queue order, with any prefix they borrow
 * @param prefill    prompt chunks this step, oldest session first
 * @param decode     sessions whose lanes feed one token each this step
 * @param stalled    sessions that grew beyond what the budget can cover: they skip steps until it can
 */
public record StepPlan(List<Long> dropped, List<Long> expired, List<Long> failed, List<Long> cancelled,
        List<Long> retired, List<Long> preempted, List<Admission> admitted, List<Chunk> prefill, List<Long> decode,
        List<Long> stalled) {

    /** A newcomer; it borrows the first {@code borrowed} shared-prompt slots of {@code donor} (0: none). */
    public record Admission(long session, long donor, int borrowed) {}

    /**
     * A prompt chunk: the next {@code sharedTokens} shared-prompt tokens, or with {@code last} the
     * rest of the prompt, every lane's instructions and header included.
     */
    public record Chunk(long session, int sharedTokens, boolean last) {}

    /** Whether a forward pass runs this step. */
    public boolean runsForward() {
        return !prefill.isEmpty() || !decode.isEmpty();
    }

    /** Whether anything at all changes. */
    public boolean isEmpty() {
        return !runsForward() && dropped.isEmpty() && expired.isEmpty() && failed.isEmpty() && cancelled.isEmpty()
                && retired.isEmpty() && preempted.isEmpty() && admitted.isEmpty();
    }
}
