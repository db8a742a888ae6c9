package io.groupthink.spring.client;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.ThinkSpan;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import java.util.ArrayList;
import java.util.List;

/**
 * What one Group Think call produced: every thinker's text, the final answer, token usage and
 * timings.
 *
 * @param session     the engine session id
 * @param thinkers    one entry per thinker, in order
 * @param finalAnswer the final-answer lane's text, or null when synthesis was off
 * @param usage       token counts
 * @param timings     where the time went
 */
public record GroupThinkResponse(long session, Mode mode, Layout layout, List<ThinkerOutput> thinkers,
        String finalAnswer, Usage usage, Timings timings) implements GroupThinkStreamEvent {

    /**
     * One thinker's contribution.
     *
     * @param thinker 1-based, as the prompt names it ("Thinker2")
     * @param role    its role, or null
     */
    public record ThinkerOutput(int thinker, String role, String text, int tokens, FinishReason finishReason) {}

    /**
     * @param promptTokens    tokens prefilled (the shared prompt once, plus each thinker's instructions)
     * @param generatedTokens tokens written by the thinkers and the final-answer lane
     */
    public record Usage(int promptTokens, int generatedTokens) {
        public int totalTokens() {
            return promptTokens + generatedTokens;
        }
    }

    /**
     * @param wallMillis   from submission to the last token, queueing included
     * @param prefillMillis the prefill passes (one per chunk under chunked prefill), as the session timed them
     * @param decodeSteps  forward passes after the prefill: the latency that Group Think divides by N
     * @param decodeMillis sum of those passes, as the session timed them
     * @param kvBytes      K/V memory the session's tokens occupied at the end
     */
    public record Timings(double wallMillis, double prefillMillis, int decodeSteps, double decodeMillis,
            long kvBytes) {

        /** Tokens written per second of decoding, all lanes together; 0 before any decode step. */
        public double tokensPerSecond(int generatedTokens) {
            return decodeMillis > 0 ? generatedTokens * 1000.0 / decodeMillis : 0;
        }
    }

    /** The final answer, or every thinker's text labelled when there was no final-answer lane. */
    public String text() {
        if (finalAnswer != null) {
            return finalAnswer;
        }
        StringBuilder sb = new StringBuilder();
        for (ThinkerOutput t : thinkers) {
            sb.append("Thinker").append(t.thinker()).append(": ").append(t.text()).append('\n');
        }
        return sb.toString();
    }

    public static GroupThinkResponse from(GroupThinkRequest request, GroupThinkResult result) {
        List<ThinkerOutput> thinkers = new ArrayList<>();
        for (GroupThinkResult.ThinkerResult t : result.thinkers()) {
            String role = t.lane() < request.roles().size() ? request.roles().get(t.lane()) : null;
            thinkers.add(new ThinkerOutput(t.lane() + 1, role, t.text(), t.tokens().length, t.finishReason()));
        }
        return new GroupThinkResponse(result.session(), request.mode(), request.layout(), List.copyOf(thinkers),
                // a reasoning model's final answer is the text after its <think> span
                ThinkSpan.visible(result.finalAnswer()), new Usage(result.promptTokens(), result.generatedTokens()),
                new Timings(result.wallMillis(), result.prefillMillis(), result.decodeSteps(),
                        result.decodeMillis(), result.kvBytes()));
    }
}
