package io.groupthink.eval;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.PromptTemplate;

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

    private Prompts() {}

    /** The engine's default words for a chat model; {@link #COMPACT} for a model without a chat template. */
    public static PromptTemplate forModel(GroupThinkModel model) {
        return model.chatTemplate().present() ? PromptTemplate.DEFAULT : COMPACT;
    }

    public static String name(PromptTemplate t) {
        return t == COMPACT ? "compact" : t == PromptTemplate.DEFAULT ? "default" : "custom";
    }
}
