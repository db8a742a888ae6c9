package io.groupthink.eval;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundPrompts;

/** Prompt words for the evaluation. */
public final class Prompts {

    /**
     * A short template for base models (no chat template, small context): the collaboration rule
     * in one sentence, the question, and a header per thinker.
     */
    public static final PromptTemplate COMPACT = new PromptTemplate(
            "Thinkers 1 to {count} write at once and read each other. Split the work; never repeat another.",
            "Answer step by step.",
            "{question}{role}",
            " Your part: {role}.",
            "Thinker{id}: ",
            "\nFinal answer:");

    /**
     * The words of a session in rounds beside {@link #COMPACT}: the engine's default rules take
     * hundreds of tokens of a small base model's context (and of every round's K/V).
     */
    public static final RoundPrompts COMPACT_ROUNDS = new RoundPrompts(
            "Note the key steps so far, in order. Keep what is still needed. Be brief.",
            "{question}\nNotes: {summary}\nSince then:\n{segments}New notes:",
            " ",
            "{question}\nNotes so far: {summary}\nGo on from there.",
            "{question}\nNotes: {summary}",
            "none");

    private Prompts() {}

    /** The engine's default words for a chat model; {@link #COMPACT} for a model without a chat template. */
    public static PromptTemplate forModel(GroupThinkModel model) {
        return model.chatTemplate().present() ? PromptTemplate.DEFAULT : COMPACT;
    }

    /** The round words to go with {@code template}: {@link #COMPACT_ROUNDS} beside {@link #COMPACT}. */
    public static RoundPrompts forTemplate(PromptTemplate template) {
        return template == COMPACT ? COMPACT_ROUNDS : RoundPrompts.DEFAULT;
    }

    public static String name(PromptTemplate t) {
        return t == COMPACT ? "compact" : t == PromptTemplate.DEFAULT ? "default" : "custom";
    }
}
