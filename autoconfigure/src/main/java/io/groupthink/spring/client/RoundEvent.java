package io.groupthink.spring.client;

import io.groupthink.engine.groupthink.RoundsResult;

/**
 * What {@link GroupThinkChatClient.PromptSpec#streamInRounds()} emits, in order: for each round
 * {@link RoundStarted}, the thinkers' {@link Token}s, the summary's {@link SummaryToken}s, the
 * {@link Summary} the next round reads and {@link RoundEnded}; then the final answer's
 * {@link FinalToken}s (with synthesis on) and {@link Completed} last.
 */
public sealed interface RoundEvent {

    /** Round {@code round} (1-based) is queued; its thinkers start from {@code question}. */
    record RoundStarted(int round, String question) implements RoundEvent {}

    /**
     * A thinker's token in round {@code round}'s segment.
     *
     * @param thinker 1-based thinker number
     * @param step    index of the token in the thinker's segment
     */
    record Token(int round, int thinker, String role, int step, String text) implements RoundEvent {}

    /** A summary token; {@code thinker} is the thinker it summarises, 0 for the one summary of all. */
    record SummaryToken(int round, int thinker, int step, String text) implements RoundEvent {}

    /** Round {@code round}'s summary, as the next round reads it. */
    record Summary(int round, String text) implements RoundEvent {}

    /** The round ended and its K/V went back to the engine. */
    record RoundEnded(RoundsResult.Round round) implements RoundEvent {}

    /** A token of the final answer, written after the last round. */
    record FinalToken(int step, String text) implements RoundEvent {}

    /** The session in rounds ended; always the last event of a stream that did not fail. */
    record Completed(RoundsResult result) implements RoundEvent {}
}
