package io.groupthink.engine.groupthink;

/** Receives tokens as they are produced, on the engine's thread: return quickly. */
public interface SessionListener {

    SessionListener NONE = new SessionListener() {};

    default void onToken(ThinkerEvent event) {}

    /** A lane stopped; {@code reason} is eos, stop, length or cancelled. */
    default void onLaneFinished(long session, int lane, FinishReason reason) {}

    default void onComplete(GroupThinkResult result) {}

    default void onError(long session, Throwable error) {}
}
