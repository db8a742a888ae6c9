package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.List;

/**
 * What one call asks for beyond the {@link SessionDefaults}; a null field keeps the default. The
 * client's prompt spec and the Spring AI options both end up here, so that
 * {@link SessionDefaults#request} is the only place options are laid over defaults.
 *
 * @param system   extra system text, added after the collaboration rules
 * @param sampling a whole sampling set; {@code temperature}, {@code topK}, {@code topP},
 *                 {@code repetitionPenalty} and {@code seed} override single fields of it
 * @param format   structured-output instructions for the final-answer lane (turns synthesis on)
 * @param minTokens tokens each lane writes before a stop token or stop string may end it (vLLM's min_tokens)
 */
public record RequestOptions(String system, Integer thinkers, List<String> roles, Integer maxTokens, Mode mode,
        Layout layout, Boolean synthesize, Integer synthesisTokens, Boolean othersSeeInstructions,
        SamplingOptions sampling, Double temperature, Integer topK, Double topP, Double repetitionPenalty, Long seed,
        List<String> stop, PromptTemplate template, String format, Integer minTokens) {

    public static final RequestOptions NONE = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    public Builder mutate() {
        return new Builder().system(system).thinkers(thinkers).roles(roles).maxTokens(maxTokens).mode(mode)
                .layout(layout).synthesize(synthesize).synthesisTokens(synthesisTokens)
                .othersSeeInstructions(othersSeeInstructions).sampling(sampling).temperature(temperature).topK(topK)
                .topP(topP).repetitionPenalty(repetitionPenalty).seed(seed).stop(stop).template(template)
                .format(format).minTokens(minTokens);
    }

    /** Sampling for this call: the given set (or {@code defaults}) with single fields overridden. */
    SamplingOptions sampling(SamplingOptions defaults) {
        SamplingOptions s = sampling != null ? sampling : defaults;
        return new SamplingOptions(temperature != null ? temperature : s.temperature(),
                topK != null ? topK : s.topK(), topP != null ? topP : s.topP(),
                repetitionPenalty != null ? repetitionPenalty : s.repetitionPenalty(), seed != null ? seed : s.seed());
    }

    /** The template for this call: system text after the system messages, the format before the answer. */
    PromptTemplate template(PromptTemplate defaults) {
        PromptTemplate t = template != null ? template : defaults;
        if (system != null && !system.isBlank()) {
            t = new PromptTemplate(t.groupSystem() + "\n\n" + system, t.soloSystem() + "\n\n" + system, t.user(),
                    t.role(), t.header(), t.synthesis());
        }
        if (format != null) {
            // Spring AI appends the format to the user turn; here the final-answer lane writes
            // the answer, so the format goes right before it, where it matters most.
            t = t.withSynthesis(t.synthesis() + "\n" + format + "\n");
        }
        return t;
    }

    public static final class Builder {

        private String system;
        private Integer thinkers;
        private List<String> roles;
        private Integer maxTokens;
        private Mode mode;
        private Layout layout;
        private Boolean synthesize;
        private Integer synthesisTokens;
        private Boolean othersSeeInstructions;
        private SamplingOptions sampling;
        private Double temperature;
        private Integer topK;
        private Double topP;
        private Double repetitionPenalty;
        private Long seed;
        private List<String> stop;
        private PromptTemplate template;
        private String format;
        private Integer minTokens;

        public Builder system(String system) { this.system = system; return this; }
        public Builder thinkers(Integer thinkers) { this.thinkers = thinkers; return this; }
        public Builder roles(List<String> roles) { this.roles = roles == null ? null : List.copyOf(roles); return this; }
        public Builder maxTokens(Integer maxTokens) { this.maxTokens = maxTokens; return this; }
        public Builder mode(Mode mode) { this.mode = mode; return this; }
        public Builder layout(Layout layout) { this.layout = layout; return this; }
        public Builder synthesize(Boolean synthesize) { this.synthesize = synthesize; return this; }
        public Builder synthesisTokens(Integer tokens) { this.synthesisTokens = tokens; return this; }
        public Builder othersSeeInstructions(Boolean on) { this.othersSeeInstructions = on; return this; }
        public Builder sampling(SamplingOptions sampling) { this.sampling = sampling; return this; }
        public Builder temperature(Double temperature) { this.temperature = temperature; return this; }
        public Builder topK(Integer topK) { this.topK = topK; return this; }
        public Builder topP(Double topP) { this.topP = topP; return this; }
        public Builder repetitionPenalty(Double penalty) { this.repetitionPenalty = penalty; return this; }
        public Builder seed(Long seed) { this.seed = seed; return this; }
        public Builder stop(List<String> stop) { this.stop = stop == null ? null : List.copyOf(stop); return this; }
        public Builder template(PromptTemplate template) { this.template = template; return this; }
        public Builder format(String format) { this.format = format; return this; }
        public Builder minTokens(Integer minTokens) { this.minTokens = minTokens; return this; }

        public RequestOptions build() {
            return new RequestOptions(system, thinkers, roles, maxTokens, mode, layout, synthesize, synthesisTokens,
                    othersSeeInstructions, sampling, temperature, topK, topP, repetitionPenalty, seed, stop, template,
                    format, minTokens);
        }
    }
}
