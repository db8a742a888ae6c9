package io.groupthink.spring.client;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.SessionDefaults;
import java.util.List;
import org.springframework.core.ParameterizedTypeReference;
import reactor.core.publisher.Flux;

/**
 * Fluent access to Group Think, shaped like Spring AI's {@code ChatClient}: N thinkers answer one
 * question in ONE batched inference, each seeing the others' work token by token.
 *
 * <pre class="code">
 * GroupThinkResponse r = client.prompt()
 *         .user("How do we cut the API's p99 latency?")
 *         .thinkers(4)
 *         .maxTokensPerThinker(256)
 *         .call();
 * r.thinkers();     // each thinker's text
 * r.finalAnswer();  // the synthesis
 * r.usage(); r.timings();
 * </pre>
 *
 * Unset options come from {@code groupthink.defaults.*}, {@code groupthink.sampling.*} and
 * {@code groupthink.prompt.*}. Unlike Spring AI's lazy {@code call()}, {@link PromptSpec#call()}
 * runs at once and returns the whole response.
 */
public interface GroupThinkChatClient {

    static GroupThinkChatClient create(GroupThinkSessions sessions) {
        return new DefaultGroupThinkChatClient(sessions);
    }

    PromptSpec prompt();

    /** The loaded model: name, architecture, layers and context length. */
    ModelInfo modelInfo();

    /** What a call gets when it does not say otherwise ({@code groupthink.defaults.*} and friends). */
    SessionDefaults defaults();

    /** Shortcut for {@code prompt().user(question)}. */
    default PromptSpec prompt(String question) {
        return prompt().user(question);
    }

    /** One request under construction. Not thread-safe; build one per call. */
    interface PromptSpec {

        /** Extra system text, added after the collaboration rules of {@code groupthink.prompt.*}. */
        PromptSpec system(String text);

        /** The question every thinker works on. */
        PromptSpec user(String question);

        PromptSpec thinkers(int thinkers);

        /** One thinker per role, in order; sets the thinker count to the number of roles. */
        PromptSpec roles(String... roles);

        PromptSpec roles(List<String> roles);

        PromptSpec maxTokensPerThinker(int tokens);

        /**
         * Tokens each thinker writes before a stop token or stop string may end it (vLLM's
         * {@code min_tokens}); at most {@link #maxTokensPerThinker}.
         */
        PromptSpec minTokensPerThinker(int tokens);

        PromptSpec mode(Mode mode);

        PromptSpec layout(Layout layout);

        /** Whether a final-answer lane writes the answer after the thinkers finish. */
        PromptSpec synthesize(boolean synthesize);

        PromptSpec synthesisTokens(int tokens);

        PromptSpec sampling(SamplingOptions sampling);

        PromptSpec temperature(double temperature);

        PromptSpec seed(long seed);

        PromptSpec stop(String... stopStrings);

        PromptSpec template(PromptTemplate template);

        PromptSpec othersSeeInstructions(boolean on);

        /**
         * Reasons in at most {@code maxRounds} rounds in a fixed KV budget (InftyThink); run with
         * {@link #callInRounds()} or {@link #streamInRounds()}. Unset round options come from {@code groupthink.rounds.*}.
         */
        PromptSpec rounds(int maxRounds);

        /** Tokens per thinker per round (S). */
        PromptSpec segmentTokens(int tokens);

        /** Tokens of each round's summary (M). */
        PromptSpec summaryTokens(int tokens);

        /** Each thinker's last tokens carried into the next round (m). */
        PromptSpec carryTokens(int tokens);

        /** One summary lane per thinker, each reading its own segment, instead of one for all. */
        PromptSpec summaryPerThinker(boolean on);

        /** Text that, in a segment or a summary, ends the session after its round; null or empty: none. */
        PromptSpec finalMarker(String marker);

        /** Runs the session in rounds and waits for it: each round's segments and summary, the final answer. */
        RoundsResult callInRounds();

        /**
         * Runs the session in rounds and streams it: each round's start, its thinkers' tokens, its
         * summary and its end, then the final answer's tokens and the {@link RoundsResult} last.
         * Cancelling the subscription cancels the session after its running step.
         */
        Flux<RoundEvent> streamInRounds();

        /**
         * Looks at (and may override) each lane's token choice; for tests, evaluation and
         * instrumentation. In rounds it sees every round's thinkers, not the summaries. It runs on
         * a pool thread, never the engine's, while its session waits out of the batch: a slow hook
         * slows only this call, and a hook shared by several calls must be thread-safe.
         */
        PromptSpec stepHook(StepHook hook);

        /**
         * Extra sessions {@link #entity} may run when the answer does not map to the type; each
         * retry tells the final-answer lane why the last answer failed. Unset takes
         * {@code groupthink.defaults.structured-output-retries}.
         */
        PromptSpec structuredOutputRetries(int retries);

        /** The engine request this spec describes (defaults applied, nothing run). */
        GroupThinkRequest toRequest();

        /** Runs the session and waits for it. */
        GroupThinkResponse call();

        /**
         * Runs the session and streams its tokens as they are produced, tagged by thinker.
         * Cancelling the subscription cancels the engine session.
         */
        Flux<ThinkerToken> stream();

        /**
         * Like {@link #stream()}, with the whole {@link GroupThinkResponse} (usage, timings, each
         * thinker's finish reason) as the last event.
         */
        Flux<GroupThinkStreamEvent> streamEvents();

        /**
         * Runs the session with synthesis on, asks the final-answer lane for JSON in the type's
         * schema and maps it, as Spring AI's structured output does ({@code BeanOutputConverter}).
         *
         * @throws StructuredOutputException when the answer does not map, after the retries
         */
        <T> T entity(Class<T> type);

        <T> T entity(ParameterizedTypeReference<T> type);

        /** Like {@link #entity(Class)}, keeping the whole response (thinkers, usage, timings). */
        <T> EntityResponse<T> responseEntity(Class<T> type);

        <T> EntityResponse<T> responseEntity(ParameterizedTypeReference<T> type);
    }

    /** A mapped final answer with the response it came from. */
    record EntityResponse<T>(GroupThinkResponse response, T entity) {}
}
