package io.groupthink.engine.groupthink;

/**
 * Where a reasoning model's {@code <think>…</think>} span lies in one thinker's text, and the visible text after it.
 *
 * <p>Reasoning models open the span themselves (Qwen3 with thinking on), or their chat template opens it in the
 * prompt so the text holds only the closing tag (DeepSeek-R1, QwQ). Either way the reasoning is everything up to
 * the first {@code </think>}; the answer is what follows, without the newlines the model puts after the tag.
 *
 * @param reasoningStart index where the reasoning text begins (after an opening {@code <think>}), or -1 if none
 * @param reasoningEnd   index where it ends (the closing tag's start, or the text's end while still thinking)
 * @param answerStart    index where the visible answer begins; the text's length while still thinking
 */
public record ThinkSpan(int reasoningStart, int reasoningEnd, int answerStart) {

    public static final String OPEN = "<think>";
    public static final String CLOSE = "</think>";

    /** Finds the span; text with neither tag has none (the whole text is the answer). */
    public static ThinkSpan find(String text) {
        int lead = 0;
        while (lead < text.length() && Character.isWhitespace(text.charAt(lead))) {
            lead++;
        }
        boolean opened = text.startsWith(OPEN, lead);
        int start = opened ? lead + OPEN.length() : 0;
        int close = text.indexOf(CLOSE, start);
        if (close < 0) {
            return opened ? new ThinkSpan(start, text.length(), text.length()) : new ThinkSpan(-1, -1, 0);
        }
        int answer = close + CLOSE.length();
        while (answer < text.length() && (text.charAt(answer) == '\n' || text.charAt(answer) == '\r')) {
            answer++;
        }
        return new ThinkSpan(start, close, answer);
    }

    /** The text after the reasoning: what the final answer and structured output read. Null stays null. */
    public static String visible(String text) {
        return text == null ? null : text.substring(find(text).answerStart());
    }

    public boolean present() {
        return reasoningStart >= 0;
    }

    /** Whether the span is still open: the thinker has not written {@code </think>} yet. */
    public boolean open(String text) {
        return present() && reasoningEnd == text.length() && !text.contains(CLOSE);
    }

    public String reasoning(String text) {
        return present() ? text.substring(reasoningStart, reasoningEnd).strip() : "";
    }

    public String answer(String text) {
        return text.substring(answerStart);
    }
}
