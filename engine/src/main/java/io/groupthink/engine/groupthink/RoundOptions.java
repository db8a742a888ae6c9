package io.groupthink.engine.groupthink;

/**
 * How a session reasons in rounds (InftyThink; Delethink's carry-over): each round runs every
 * thinker for at most {@code segmentTokens} (S), then a summary lane writes at most
 * {@code summaryTokens} (M), the round's K/V is released, and the next round starts from the
 * question plus the summary, plus each thinker's last {@code carryTokens} (m).
 *
 * @param rounds             at most R rounds
 * @param segmentTokens      S: tokens per thinker per round
 * @param summaryTokens      M: tokens of a summary
 * @param carryTokens        m: each thinker's last tokens carried into the next round (0 = none)
 * @param summaryPerThinker  one summary lane per thinker (each reads its own segment) instead of one for all
 * @param finalMarker        text that, in a segment or a summary, ends the session after its round (null = none)
 * @param prompts            the words of the summary, continuation and final-answer prompts
 */
public record RoundOptions(int rounds, int segmentTokens, int summaryTokens, int carryTokens,
        boolean summaryPerThinker, String finalMarker, RoundPrompts prompts) {

    public static final String DEFAULT_MARKER = "Final answer:";

    public RoundOptions {
        prompts = prompts == null ? RoundPrompts.DEFAULT : prompts;
        finalMarker = finalMarker == null || finalMarker.isEmpty() ? null : finalMarker;
    }

    public static RoundOptions of(int rounds, int segmentTokens, int summaryTokens, int carryTokens) {
        return new RoundOptions(rounds, segmentTokens, summaryTokens, carryTokens, false, DEFAULT_MARKER, null);
    }

    /** Throws IllegalArgumentException naming the first bad option. */
    public RoundOptions validate() {
        if (rounds <= 0) {
            throw new IllegalArgumentException("rounds (R) must be positive, got " + rounds);
        }
        if (segmentTokens <= 0) {
            throw new IllegalArgumentException("segment tokens (S) must be positive, got " + segmentTokens);
        }
        if (summaryTokens <= 0) {
            throw new IllegalArgumentException("summary tokens (M) must be positive, got " + summaryTokens);
        }
        if (carryTokens < 0 || carryTokens > segmentTokens) {
            throw new IllegalArgumentException("carry tokens (m) must be between 0 and the segment's " + segmentTokens
                    + " tokens (S), got " + carryTokens);
        }
        return this;
    }

    public RoundOptions withSummaryPerThinker(boolean on) {
        return new RoundOptions(rounds, segmentTokens, summaryTokens, carryTokens, on, finalMarker, prompts);
    }

    public RoundOptions withFinalMarker(String marker) {
        return new RoundOptions(rounds, segmentTokens, summaryTokens, carryTokens, summaryPerThinker, marker, prompts);
    }

    public RoundOptions withPrompts(RoundPrompts p) {
        return new RoundOptions(rounds, segmentTokens, summaryTokens, carryTokens, summaryPerThinker, finalMarker, p);
    }
}
