package io.groupthink.server.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The wire shapes of {@code /v1/chat/completions}: a whole completion, and the chunks of a stream
 * ({@code object = "chat.completion.chunk"}). Choice {@code index} i is thinker i + 1; with
 * synthesis, index n is the final answer.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletion(String id, String object, long created, String model,
        @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, Usage usage,
        @JsonProperty("group_think") GroupThinkInfo groupThink) {

    public static final String OBJECT = "chat.completion";
    public static final String CHUNK = "chat.completion.chunk";

    /** A choice of a whole completion ({@code message}) or of a chunk ({@code delta}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Choice(int index, Message message, Message delta,
            @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason,
            Object logprobs) {

        public static Choice whole(int index, String content, String finishReason) {
            return new Choice(index, new Message("assistant", content, null), null, finishReason, null);
        }

        public static Choice delta(int index, String role, String content, String finishReason) {
            return new Choice(index, null, new Message(role, content, null), finishReason, null);
        }
    }

    /** {@code name} carries the thinker's label ("Thinker2", or its role; "final" for the answer). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String role, String content, String name) {}

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("total_tokens") int totalTokens) {

        public static Usage of(int prompt, int completion) {
            return new Usage(prompt, completion, prompt + completion);
        }
    }

    /** What Group Think did, beside the standard fields (clients ignore unknown fields). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GroupThinkInfo(String mode, String layout, int thinkers, Integer synthesis,
            @JsonProperty("decode_steps") int decodeSteps, @JsonProperty("wall_ms") double wallMillis) {}
}
