package io.groupthink.engine.groupthink;

/**
 * Hears a session in rounds as it goes, off the engine thread, in order. A listener that throws
 * fails its own session only.
 */
public interface RoundListener {

    RoundListener NONE = new RoundListener() {};

    /** Round {@code round} (1-based) is queued; its thinkers start from {@code question}. */
    default void onRoundStart(int round, String question) {}

    /** A thinker's token in round {@code round}'s segment. */
    default void onToken(int round, ThinkerEvent event) {}

    /** A summary lane's token ({@code event.lane()} is the thinker it summarises, 0 for a single summary). */
    default void onSummaryToken(int round, ThinkerEvent event) {}

    /** Round {@code round}'s summary, as the next round will read it. */
    default void onSummary(int round, String summary) {}

    /** Round ended: its K/V is released. */
    default void onRoundEnd(RoundsResult.Round round) {}

    /** The final-answer lane's token. */
    default void onFinalToken(ThinkerEvent event) {}

    default void onComplete(RoundsResult result) {}

    default void onError(Throwable error) {}
}
