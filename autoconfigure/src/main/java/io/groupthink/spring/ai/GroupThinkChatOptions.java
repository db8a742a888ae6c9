package io.groupthink.spring.ai;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.spring.session.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptionsBuilder;

/**
 * Options of {@link GroupThinkChatModel}. With the defaults (one thinker) it is a plain chat
 * model; {@code thinkers(n > 1)} turns Group Think on for that call:
 *
 * <pre class="code">
 * chatClient.prompt()
 *     .user(question)
 *     .options(GroupThinkChatOptions.builder().thinkers(4).maxTokens(256))
 *     .call().content();   // the final answer, written after the 4 thinkers
 * </pre>
 *
 * {@code maxTokens} is the budget of each thinker, {@code minTokens} what each writes before a stop
 * token or stop sequence may end it. Fields left null take the model's defaults.
 * {@code rounds(RoundOptions)} makes the call reason in rounds in a fixed KV budget (InftyThink),
 * one thinker included; the reply is the final answer, or the last round's notes without one.
 */
public class GroupThinkChatOptions implements ChatOptions {

    private final String model;
    private final Integer maxTokens;
    private final Integer minTokens;
    private final List<String> stopSequences;
    private final Double temperature;
    private final Integer topK;
    private final Double topP;
    private final Double frequencyPenalty;
    private final Double presencePenalty;
    private final Integer thinkers;
    private final Mode mode;
    private final Layout layout;
    private final List<String> roles;
    private final Boolean synthesize;
    private final Integer synthesisTokens;
    private final Double repetitionPenalty;
    private final Long seed;
    private final Boolean streamThinkers;
    private final RoundOptions rounds;

    protected GroupThinkChatOptions(Builder b) {
        this.model = b.model();
        this.maxTokens = b.maxTokens();
        this.minTokens = b.minTokens;
        this.stopSequences = b.stopSequences() == null ? null : List.copyOf(b.stopSequences());
        this.temperature = b.temperature();
        this.topK = b.topK();
        this.topP = b.topP();
        this.frequencyPenalty = b.frequencyPenalty();
        this.presencePenalty = b.presencePenalty();
        this.thinkers = b.thinkers;
        this.mode = b.mode;
        this.layout = b.layout;
        this.roles = b.roles == null ? null : List.copyOf(b.roles);
        this.synthesize = b.synthesize;
        this.synthesisTokens = b.synthesisTokens;
        this.repetitionPenalty = b.repetitionPenalty;
        this.seed = b.seed;
        this.streamThinkers = b.streamThinkers;
        this.rounds = b.rounds;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String getModel() {
        return model;
    }

    /** Token budget of each thinker. */
    @Override
    public Integer getMaxTokens() {
        return maxTokens;
    }

    /** Tokens each thinker writes before a stop token or stop sequence may end it (vLLM's min_tokens). */
    public Integer getMinTokens() {
        return minTokens;
    }

    @Override
    public List<String> getStopSequences() {
        return stopSequences;
    }

    @Override
    public Double getTemperature() {
        return temperature;
    }

    @Override
    public Integer getTopK() {
        return topK;
    }

    @Override
    public Double getTopP() {
        return topP;
    }

    /** Not supported by the engine: a non-zero value is rejected; use {@link #getRepetitionPenalty()}. */
    @Override
    public Double getFrequencyPenalty() {
        return frequencyPenalty;
    }

    /** Not supported by the engine: a non-zero value is rejected; use {@link #getRepetitionPenalty()}. */
    @Override
    public Double getPresencePenalty() {
        return presencePenalty;
    }

    /** Thinkers for this call: 1 is plain chat, more is Group Think. */
    public Integer getThinkers() {
        return thinkers;
    }

    public Mode getMode() {
        return mode;
    }

    public Layout getLayout() {
        return layout;
    }

    /** One role per thinker, or null; sets the thinker count when given. */
    public List<String> getRoles() {
        return roles;
    }

    /** Whether a final-answer lane writes the reply after the thinkers (Group Think only). */
    public Boolean getSynthesize() {
        return synthesize;
    }

    public Integer getSynthesisTokens() {
        return synthesisTokens;
    }

    public Double getRepetitionPenalty() {
        return repetitionPenalty;
    }

    public Long getSeed() {
        return seed;
    }

    /**
     * When streaming a Group Think call with a final answer: also stream the thinkers' tokens
     * (tagged in the generation metadata) instead of the final answer's only.
     */
    public Boolean getStreamThinkers() {
        return streamThinkers;
    }

    /** Reason in rounds with these options, or null for one session (see {@link RoundOptions}). */
    public RoundOptions getRounds() {
        return rounds;
    }

    /**
     * These options in the terms of the session service, which lays them over the defaults. Only
     * here are Spring AI's option names mapped to Group Think's.
     */
    public RequestOptions.Builder toRequestOptions() {
        return RequestOptions.builder().thinkers(thinkers).roles(roles).maxTokens(maxTokens).minTokens(minTokens)
                .mode(mode).layout(layout).synthesize(synthesize).synthesisTokens(synthesisTokens)
                .temperature(temperature).topK(topK).topP(topP).repetitionPenalty(repetitionPenalty).seed(seed)
                .stop(stopSequences);
    }

    @Override
    public Builder mutate() {
        Builder b = builder().model(model).maxTokens(maxTokens).stopSequences(stopSequences).temperature(temperature)
                .topK(topK).topP(topP).frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty);
        b.minTokens = minTokens;
        b.thinkers = thinkers;
        b.mode = mode;
        b.layout = layout;
        b.roles = roles;
        b.synthesize = synthesize;
        b.synthesisTokens = synthesisTokens;
        b.repetitionPenalty = repetitionPenalty;
        b.seed = seed;
        b.streamThinkers = streamThinkers;
        b.rounds = rounds;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupThinkChatOptions that && Objects.equals(model, that.model)
                && Objects.equals(maxTokens, that.maxTokens) && Objects.equals(minTokens, that.minTokens)
                && Objects.equals(stopSequences, that.stopSequences)
                && Objects.equals(temperature, that.temperature) && Objects.equals(topK, that.topK)
                && Objects.equals(topP, that.topP) && Objects.equals(frequencyPenalty, that.frequencyPenalty)
                && Objects.equals(presencePenalty, that.presencePenalty) && Objects.equals(thinkers, that.thinkers)
                && mode == that.mode && layout == that.layout && Objects.equals(roles, that.roles)
                && Objects.equals(synthesize, that.synthesize) && Objects.equals(synthesisTokens, that.synthesisTokens)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty) && Objects.equals(seed, that.seed)
                && Objects.equals(streamThinkers, that.streamThinkers) && Objects.equals(rounds, that.rounds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, maxTokens, minTokens, stopSequences, temperature, topK, topP, thinkers, mode, layout,
                roles, synthesize, synthesisTokens, repetitionPenalty, seed, streamThinkers, rounds);
    }

    @Override
    public String toString() {
        return "GroupThinkChatOptions{model=" + model + ", maxTokens=" + maxTokens + ", minTokens=" + minTokens
                + ", thinkers=" + thinkers
                + ", mode=" + mode + ", layout=" + layout + ", roles=" + roles + ", synthesize=" + synthesize
                + ", synthesisTokens=" + synthesisTokens + ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", seed=" + seed + ", stop=" + stopSequences + ", rounds=" + rounds + "}";
    }

    /**
     * Builds options; {@link #combineWith} lets request options override the model's defaults the
     * way Spring AI's ChatClient merges them.
     */
    public static class Builder extends DefaultChatOptionsBuilder<Builder> {

        private Integer minTokens;
        private Integer thinkers;
        private Mode mode;
        private Layout layout;
        private List<String> roles;
        private Boolean synthesize;
        private Integer synthesisTokens;
        private Double repetitionPenalty;
        private Long seed;
        private Boolean streamThinkers;
        private RoundOptions rounds;

        public Builder minTokens(Integer minTokens) {
            this.minTokens = minTokens;
            return this;
        }

        public Builder thinkers(Integer thinkers) {
            this.thinkers = thinkers;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        public Builder layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        public Builder roles(List<String> roles) {
            this.roles = roles == null ? null : new ArrayList<>(roles);
            return this;
        }

        public Builder roles(String... roles) {
            return roles(List.of(roles));
        }

        public Builder synthesize(Boolean synthesize) {
            this.synthesize = synthesize;
            return this;
        }

        public Builder synthesisTokens(Integer synthesisTokens) {
            this.synthesisTokens = synthesisTokens;
            return this;
        }

        public Builder repetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder streamThinkers(Boolean streamThinkers) {
            this.streamThinkers = streamThinkers;
            return this;
        }

        /** Reason in rounds (validated when the call runs); null: one session. */
        public Builder rounds(RoundOptions rounds) {
            this.rounds = rounds;
            return this;
        }

        String model() {
            return model;
        }

        Integer maxTokens() {
            return maxTokens;
        }

        List<String> stopSequences() {
            return stopSequences;
        }

        Double temperature() {
            return temperature;
        }

        Integer topK() {
            return topK;
        }

        Double topP() {
            return topP;
        }

        Double frequencyPenalty() {
            return frequencyPenalty;
        }

        Double presencePenalty() {
            return presencePenalty;
        }

        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                if (that.minTokens != null) {
                    this.minTokens = that.minTokens;
                }
                if (that.thinkers != null) {
                    this.thinkers = that.thinkers;
                }
                if (that.mode != null) {
                    this.mode = that.mode;
                }
                if (that.layout != null) {
                    this.layout = that.layout;
                }
                if (that.roles != null) {
                    this.roles = new ArrayList<>(that.roles);
                }
                if (that.synthesize != null) {
                    this.synthesize = that.synthesize;
                }
                if (that.synthesisTokens != null) {
                    this.synthesisTokens = that.synthesisTokens;
                }
                if (that.repetitionPenalty != null) {
                    this.repetitionPenalty = that.repetitionPenalty;
                }
                if (that.seed != null) {
                    this.seed = that.seed;
                }
                if (that.streamThinkers != null) {
                    this.streamThinkers = that.streamThinkers;
                }
                if (that.rounds != null) {
                    this.rounds = that.rounds;
                }
            }
            return this;
        }

        @Override
        public Builder clone() {
            Builder copy = super.clone();
            copy.roles = roles == null ? null : new ArrayList<>(roles);
            return copy;
        }

        @Override
        public GroupThinkChatOptions build() {
            return new GroupThinkChatOptions(this);
        }
    }
}
