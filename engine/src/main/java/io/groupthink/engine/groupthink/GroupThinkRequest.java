package io.groupthink.engine.groupthink;

import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.List;

/**
 * What a session is asked to do. Build with {@link #builder(String)}; {@link #validate(int)}
 * rejects bad options with a message naming the option.
 *
 * @param maxTokens      the per-thinker budget K
 * @param roles          one instruction per thinker for role-specialised thinkers, or empty
 * @param synthesize     after all thinkers finish, one more lane that sees them all writes the answer
 * @param synthesisTokens budget of that lane
 * @param othersSeeInstructions whether thinkers see each other's private instructions (id, role)
 * @param chatVariables  what the chat template gets beyond the messages: enable_thinking, tools, documents, the
 *                       time strftime_now formats
 * @param othersSeeReasoning whether thinkers see each other's {@code <think>} reasoning (the default, as the method
 *                       intends) or only the visible text after it (reasoning models whose tokenizer has the tags)
 * @param minTokens      no lane stops before it has this many tokens (vLLM's min_tokens): stop tokens are left out
 *                       of its choice and stop strings are not checked until then (a StepHook's override still
 *                       decides); the synthesis lane within its own budget; 0 lets lanes stop at once
 */
public record GroupThinkRequest(String question, int thinkers, int maxTokens, Mode mode, Layout layout,
        SamplingOptions sampling, List<String> roles, List<String> stopStrings, boolean synthesize,
        int synthesisTokens, boolean othersSeeInstructions, PromptTemplate template, int topLogits,
        ChatTemplate.Variables chatVariables, boolean othersSeeReasoning, int minTokens) {

    public static final int MAX_THINKERS = 16;
    public static final int MAX_STOP_STRINGS = 64;

    public GroupThinkRequest {
        roles = roles == null ? List.of() : List.copyOf(roles);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        template = template == null ? PromptTemplate.DEFAULT : template;
        sampling = sampling == null ? SamplingOptions.GREEDY : sampling;
        mode = mode == null ? Mode.GROUP_THINK : mode;
        layout = layout == null ? Layout.SLOTTED : layout;
        chatVariables = chatVariables == null ? ChatTemplate.Variables.NONE : chatVariables;
    }

    /** Throws IllegalArgumentException naming the first bad option. */
    public GroupThinkRequest validate(int maxThinkers) {
        if (question == null || question.isBlank()) {
            throw new IllegalArgumentException("question must not be empty");
        }
        int limit = Math.min(maxThinkers, MAX_THINKERS);
        if (thinkers < 1 || thinkers > limit) {
            throw new IllegalArgumentException("thinkers must be between 1 and " + limit + ", got " + thinkers);
        }
        if (mode == Mode.COT && thinkers != 1) {
            throw new IllegalArgumentException("mode cot runs exactly 1 thinker, got " + thinkers);
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens (per-thinker budget K) must be positive, got " + maxTokens);
        }
        if (synthesize && synthesisTokens <= 0) {
            throw new IllegalArgumentException("synthesisTokens must be positive when synthesize is on");
        }
        if (!roles.isEmpty() && roles.size() != thinkers) {
            throw new IllegalArgumentException("roles: " + roles.size() + " given for " + thinkers + " thinkers");
        }
        if (stopStrings.size() > MAX_STOP_STRINGS) {
            throw new IllegalArgumentException("at most " + MAX_STOP_STRINGS + " stop strings, got " + stopStrings.size());
        }
        for (String s : stopStrings) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw new IllegalArgumentException("minTokens must be between 0 and maxTokens (" + maxTokens + "), got "
                    + minTokens);
        }
        if (topLogits < 0) {
            throw new IllegalArgumentException("topLogits must be >= 0, got " + topLogits);
        }
        return this;
    }

    public static Builder builder(String question) {
        return new Builder(question);
    }

    public Builder toBuilder() {
        Builder b = new Builder(question);
        b.thinkers = thinkers;
        b.maxTokens = maxTokens;
        b.mode = mode;
        b.layout = layout;
        b.sampling = sampling;
        b.roles = roles;
        b.stopStrings = stopStrings;
        b.synthesize = synthesize;
        b.synthesisTokens = synthesisTokens;
        b.othersSeeInstructions = othersSeeInstructions;
        b.template = template;
        b.topLogits = topLogits;
        b.chatVariables = chatVariables;
        b.othersSeeReasoning = othersSeeReasoning;
        b.minTokens = minTokens;
        return b;
    }

    /** Fluent construction with the defaults: 4 thinkers, 128 tokens, GROUP_THINK, SLOTTED, greedy. */
    public static final class Builder {
        private final String question;
        private int thinkers = 4;
        private int maxTokens = 128;
        private Mode mode = Mode.GROUP_THINK;
        private Layout layout = Layout.SLOTTED;
        private SamplingOptions sampling = SamplingOptions.GREEDY;
        private List<String> roles = List.of();
        private List<String> stopStrings = List.of();
        private boolean synthesize;
        private int synthesisTokens = 128;
        private boolean othersSeeInstructions;
        private PromptTemplate template = PromptTemplate.DEFAULT;
        private int topLogits;
        private ChatTemplate.Variables chatVariables = ChatTemplate.Variables.NONE;
        private boolean othersSeeReasoning = true;
        private int minTokens;

        private Builder(String question) {
            this.question = question;
        }

        public Builder thinkers(int n) { this.thinkers = n; return this; }
        public Builder maxTokens(int k) { this.maxTokens = k; return this; }
        public Builder mode(Mode m) { this.mode = m; return this; }
        public Builder layout(Layout l) { this.layout = l; return this; }
        public Builder sampling(SamplingOptions s) { this.sampling = s; return this; }
        public Builder roles(List<String> r) { this.roles = r; return this; }
        public Builder stopStrings(List<String> s) { this.stopStrings = s; return this; }
        public Builder synthesize(boolean on) { this.synthesize = on; return this; }
        public Builder synthesisTokens(int k) { this.synthesisTokens = k; return this; }
        public Builder othersSeeInstructions(boolean on) { this.othersSeeInstructions = on; return this; }
        public Builder template(PromptTemplate t) { this.template = t; return this; }
        public Builder topLogits(int k) { this.topLogits = k; return this; }
        public Builder chatVariables(ChatTemplate.Variables v) { this.chatVariables = v; return this; }
        public Builder othersSeeReasoning(boolean on) { this.othersSeeReasoning = on; return this; }
        public Builder minTokens(int k) { this.minTokens = k; return this; }
        /** Reasoning models (Qwen3 and the like): true or false sets the template's enable_thinking, null leaves it out. */
        public Builder enableThinking(Boolean on) { this.chatVariables = chatVariables.withEnableThinking(on); return this; }

        public GroupThinkRequest build() {
            return new GroupThinkRequest(question, thinkers, maxTokens, mode, layout, sampling, roles, stopStrings,
                    synthesize, synthesisTokens, othersSeeInstructions, template, topLogits, chatVariables,
                    othersSeeReasoning, minTokens);
        }
    }
}
