package io.groupthink.engine.scheduler;

/**
 * What the planner knows of a session: no tensors, no callbacks, only numbers.
 *
 * @param status          where it is in its lifecycle
 * @param kvNeed          K/V slots it may fill at most, from now on its reservation; a session may
 *                        lower it (release slots at a boundary) or raise it
 * @param kvGranted       slots reserved for it at admission (0 while waiting); a need above this
 *                        is growth the budget must cover
 * @param sharedPrompt    its shared prompt ids, to find a borrowable prefix
 * @param sharedStored    shared-prompt tokens it holds in the cache (borrowed included): what it can lend
 * @param promptTail      tokens that come with the last prompt chunk (every lane's instructions and header)
 * @param lanesAlive      lanes still producing
 * @param cancelRequested its caller asked it to stop
 * @param faulted         a failure was raised off the engine thread (listener, slow consumer)
 * @param deadlineNanos   while waiting: when it is rejected for having waited too long
 */
public record SessionView(long id, SessionStatus status, int kvNeed, int kvGranted, int[] sharedPrompt,
        int sharedStored, int promptTail, int lanesAlive, boolean cancelRequested, boolean faulted,
        long deadlineNanos) {

    /** A waiting session, for planner tests. */
    public static SessionView waiting(long id, int kvNeed, int[] sharedPrompt, int promptTail, long deadlineNanos) {
        return new SessionView(id, SessionStatus.WAITING, kvNeed, 0, sharedPrompt, 0, promptTail, 1, false, false,
                deadlineNanos);
    }

    /** A running session, for planner tests. */
    public static SessionView running(long id, SessionStatus status, int kvNeed, int[] sharedPrompt, int sharedStored,
            int promptTail) {
        return new SessionView(id, status, kvNeed, kvNeed, sharedPrompt, sharedStored, promptTail, 1, false, false,
                Long.MAX_VALUE);
    }

    public SessionView withStatus(SessionStatus s) {
        return new SessionView(id, s, kvNeed, kvGranted, sharedPrompt, sharedStored, promptTail, lanesAlive,
                cancelRequested, faulted, deadlineNanos);
    }

    public SessionView cancelled() {
        return new SessionView(id, status, kvNeed, kvGranted, sharedPrompt, sharedStored, promptTail, lanesAlive, true,
                faulted, deadlineNanos);
    }

    public SessionView withFault() {
        return new SessionView(id, status, kvNeed, kvGranted, sharedPrompt, sharedStored, promptTail, lanesAlive,
                cancelRequested, true, deadlineNanos);
    }

    public SessionView withKvNeed(int need) {
        return new SessionView(id, status, need, kvGranted, sharedPrompt, sharedStored, promptTail, lanesAlive,
                cancelRequested, faulted, deadlineNanos);
    }

    /** Shared-prompt tokens still to compute. */
    int promptLeft() {
        return sharedPrompt.length - sharedStored;
    }
}
