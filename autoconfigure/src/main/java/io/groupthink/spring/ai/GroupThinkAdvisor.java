package io.groupthink.spring.ai;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.ChatModelCallAdvisor;
import org.springframework.ai.chat.client.advisor.ChatModelStreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.core.Ordered;
import org.springframework.util.Assert;
import reactor.core.publisher.Flux;

/**
 * Turns any {@code ChatClient} call into a Group Think call: N thinkers, then a final answer,
 * whatever model the client was built on. Existing Spring AI code adopts it with one line:
 *
 * <pre class="code">
 * chatClient.prompt()
 *     .advisors(GroupThinkAdvisor.builder(groupThinkChatModel).thinkers(4).build())
 *     .user(question)
 *     .call().content();
 * </pre>
 *
 * It runs last, after memory, RAG and logging advisors have shaped the prompt, and answers the
 * call itself through {@link GroupThinkChatModel}: the client's own model is not called. The
 * request's portable options (temperature, max tokens, stop) carry over; this advisor's options
 * win. Structured output ({@code entity()}) and streaming work as with the model itself.
 */
public final class GroupThinkAdvisor implements CallAdvisor, StreamAdvisor {

    /** Just before Spring AI's own model advisor, which is at the lowest precedence. */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 1;

    private final GroupThinkChatModel chatModel;
    private final GroupThinkChatOptions options;
    private final CallAdvisor call;
    private final StreamAdvisor stream;

    private GroupThinkAdvisor(GroupThinkChatModel chatModel, GroupThinkChatOptions options) {
        this.chatModel = chatModel;
        this.options = options;
        this.call = ChatModelCallAdvisor.builder().chatModel(chatModel).build();
        this.stream = ChatModelStreamAdvisor.builder().chatModel(chatModel).build();
    }

    public static Builder builder(GroupThinkChatModel chatModel) {
        return new Builder(chatModel);
    }

    /** The options this advisor lays over each request's. */
    public GroupThinkChatOptions getOptions() {
        return options;
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        return call.adviseCall(routed(request), chain);
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return stream.adviseStream(routed(request), chain);
    }

    /** The request with Group Think options: its portable options, then ours. */
    private ChatClientRequest routed(ChatClientRequest request) {
        Prompt prompt = request.prompt();
        GroupThinkChatOptions.Builder merged = GroupThinkChatOptions.builder();
        if (prompt.getOptions() != null) {
            merged.combineWith(prompt.getOptions().mutate());
            merged.model(null); // another provider's model name means nothing here
        }
        merged.combineWith(options.mutate());
        return request.mutate().prompt(prompt.mutate().chatOptions(merged.build()).build()).build();
    }

    @Override
    public String getName() {
        return "GroupThinkAdvisor";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "GroupThinkAdvisor{model=" + chatModel + ", options=" + options + "}";
    }

    public static final class Builder {

        private final GroupThinkChatModel chatModel;
        private GroupThinkChatOptions.Builder options = GroupThinkChatOptions.builder();

        private Builder(GroupThinkChatModel chatModel) {
            Assert.notNull(chatModel, "chatModel must not be null");
            this.chatModel = chatModel;
        }

        /** Thinkers per call; 2 or more (1 would be plain chat, not Group Think). */
        public Builder thinkers(int thinkers) {
            Assert.isTrue(thinkers >= 2, () -> "thinkers must be 2 or more for a Group Think call, got " + thinkers);
            options.thinkers(thinkers);
            return this;
        }

        /** All Group Think options at once (roles, mode, budgets, synthesis). */
        public Builder options(GroupThinkChatOptions options) {
            Assert.notNull(options, "options must not be null");
            this.options = options.mutate();
            return this;
        }

        public GroupThinkAdvisor build() {
            GroupThinkChatOptions built = options.build();
            boolean group = (built.getRoles() != null && !built.getRoles().isEmpty())
                    || (built.getThinkers() != null && built.getThinkers() >= 2);
            Assert.isTrue(group, "a GroupThinkAdvisor needs thinkers(n >= 2) or roles");
            return new GroupThinkAdvisor(chatModel, built);
        }
    }
}
