package io.groupthink.engine.groupthink;

/**
 * The words of a session in rounds, written after InftyThink's rules in our own words.
 * Placeholders: {question}, {summary} (the previous summary, or {@link #noSummary}), {segments}
 * (the round's reasoning, each thinker's labelled).
 *
 * @param summarySystem what the summary lane is told: the rules of a good summary
 * @param summaryUser   the summary lane's turn: question, previous summary and the round's segments
 * @param summaryHeader opens the summary lane's text
 * @param continuation  the question of every round after the first: question, summary, "continue"
 * @param finalAnswer   the final-answer lane's question, after the last round
 * @param noSummary     stands for {summary} in round 1
 */
public record RoundPrompts(String summarySystem, String summaryUser, String summaryHeader, String continuation,
        String finalAnswer, String noSummary) {

    public static final RoundPrompts DEFAULT = new RoundPrompts(
            "You keep notes on reasoning that is still going on. Write down the key steps taken so far, in the "
                    + "order they were taken. Keep every result, number and open question that the next round "
                    + "of reasoning will need; leave out dead ends and repetition. Do not give a final answer "
                    + "unless the reasoning has reached one. Be brief.",
            "Problem:\n{question}\n\nNotes on the earlier reasoning:\n{summary}\n\nReasoning since then:\n"
                    + "{segments}\nWrite the new notes.",
            "Notes: ",
            "{question}\n\nYou have already worked on this problem. Notes on your reasoning so far:\n{summary}\n\n"
                    + "Continue from your previous reasoning; do not start over.",
            "{question}\n\nNotes on the reasoning so far:\n{summary}",
            "(none yet)");

    public String fill(String text, String question, String summary, String segments) {
        return text.replace("{question}", question)
                .replace("{summary}", summary == null || summary.isBlank() ? noSummary : summary)
                .replace("{segments}", segments == null ? "" : segments);
    }

    public RoundPrompts withSummarySystem(String s) {
        return new RoundPrompts(s, summaryUser, summaryHeader, continuation, finalAnswer, noSummary);
    }

    public RoundPrompts withSummaryUser(String s) {
        return new RoundPrompts(summarySystem, s, summaryHeader, continuation, finalAnswer, noSummary);
    }

    public RoundPrompts withContinuation(String s) {
        return new RoundPrompts(summarySystem, summaryUser, summaryHeader, s, finalAnswer, noSummary);
    }

    public RoundPrompts withFinalAnswer(String s) {
        return new RoundPrompts(summarySystem, summaryUser, summaryHeader, continuation, s, noSummary);
    }
}
