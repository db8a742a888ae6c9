package io.groupthink.spring.session;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.Objects;

/**
 * What a session gets when its caller does not say otherwise, and the bounds every call is held
 * to. The auto-configuration fills it from {@code groupthink.*}; code without Spring builds it
 * with {@link #DEFAULT} and the {@code with...} methods.
 *
 * @param thinkers               thinkers per Group Think call
 * @param maxTokens              token budget of each thinker
 * @param synthesize             whether a final-answer lane writes the answer after the thinkers
 * @param synthesisTokens        token budget of the final-answer lane
 * @param othersSeeInstructions  whether thinkers see each other's private instructions
 * @param structuredOutputRetries extra sessions run when a structured answer does not map
 * @param limits                 bounds checked before anything is tokenized
 * @param rounds                 how a session in rounds runs when its caller does not say
 */
public record SessionDefaults(int thinkers, int maxTokens, Mode mode, Layout layout, boolean synthesize,
        int synthesisTokens, boolean othersSeeInstructions, SamplingOptions sampling, PromptTemplate template,
        int structuredOutputRetries, Limits limits, RoundOptions rounds) {

    /**
     * @param maxThinkers         most thinkers one call may ask for
     * @param maxTokensPerThinker largest per-thinker (and final-answer) budget one call may ask for
     * @param maxPromptChars      longest question or conversation, in characters
     */
    public record Limits(int maxThinkers, int maxTokensPerThinker, int maxPromptChars) {}

    public static final SessionDefaults DEFAULT = new SessionDefaults(4, 256, Mode.GROUP_THINK, Layout.SLOTTED, true,
            256, false, SamplingOptions.GREEDY, PromptTemplate.DEFAULT, 1, new Limits(16, 4096, 32_000),
            RoundOptions.of(8, 256, 128, 0));

    public SessionDefaults {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(rounds, "rounds");
    }

    /**
     * The one overlay of options: these defaults, then {@code options} over them (a null field
     * keeps the default). Every surface (client, ChatModel, agents) builds its request here.
     */
    public GroupThinkRequest request(String question, RequestOptions options) {
        RequestOptions o = options == null ? RequestOptions.NONE : options;
        GroupThinkRequest.Builder b = GroupThinkRequest.builder(question)
                .thinkers(thinkers)
                .maxTokens(or(o.maxTokens(), maxTokens))
                .mode(or(o.mode(), mode))
                .layout(or(o.layout(), layout))
                .synthesize(or(o.synthesize(), synthesize))
                .synthesisTokens(or(o.synthesisTokens(), synthesisTokens))
                .othersSeeInstructions(or(o.othersSeeInstructions(), othersSeeInstructions))
                .sampling(o.sampling(sampling))
                .template(o.template(template));
        if (o.roles() != null && !o.roles().isEmpty()) {
            b.roles(o.roles()).thinkers(o.roles().size());
        }
        if (o.thinkers() != null) {
            b.thinkers(o.thinkers());
        }
        if (o.format() != null) {
            b.synthesize(true); // the final-answer lane writes the structured answer
        }
        if (o.stop() != null) {
            b.stopStrings(o.stop());
        }
        if (o.minTokens() != null) {
            b.minTokens(o.minTokens());
        }
        return b.build();
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
