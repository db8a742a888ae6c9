package io.groupthink.spring.autoconfigure.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.ai.GroupThinkAdvisor;
import io.groupthink.spring.ai.GroupThinkChatModel;
import io.groupthink.spring.ai.GroupThinkChatOptions;
import io.groupthink.spring.autoconfigure.TestModels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.observation.conventions.AiObservationAttributes;
import org.springframework.ai.observation.conventions.AiObservationMetricAttributes;
import org.springframework.ai.observation.conventions.AiObservationMetricNames;
import org.springframework.ai.observation.conventions.AiTokenType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Spring AI's conventions on stories260K, through a plain {@code ChatClient} as a new user would
 * write it: usage in the last streamed chunk, equal to the call's; the
 * {@code gen_ai.client.token.usage} meters grown alike by a stream and a call; the advisor that
 * turns any ChatClient call into Group Think; chat memory across a call and a stream. Greedy
 * decoding, so the streamed and the called answer are the same tokens.
 */
@SpringBootTest(classes = IntegrationApp.class)
class SpringAiConventionsTests {

    static final Duration WAIT = Duration.ofSeconds(90);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestModels.addStoriesProperties(registry);
    }

    @Autowired ChatClient.Builder chatClientBuilder;
    @Autowired GroupThinkAdvisor groupThinkAdvisor;
    @Autowired MeterRegistry meters;
    @Autowired Scheduler scheduler;

    @Test
    void plainChatStreamReportsTheCallsUsageInItsLastChunkAndFeedsTheSameMeters() throws InterruptedException {
        usageOfStreamEqualsCall(null);
    }

    @Test
    void groupThinkStreamReportsTheCallsUsageInItsLastChunkAndFeedsTheSameMeters() throws InterruptedException {
        usageOfStreamEqualsCall(GroupThinkChatOptions.builder().thinkers(4).maxTokens(12).build());
    }

    private void usageOfStreamEqualsCall(ChatOptions options) throws InterruptedException {
        ChatClient chat = chatClientBuilder.build();
        String question = "Lily saw a big dog.";
        long[] before = tokenMeters();
        ChatResponse called = spec(chat, question, options).call().chatResponse();
        long[] afterCall = awaitMetersBeyond(before);

        List<ChatResponse> chunks = spec(chat, question, options).stream().chatResponse().collectList().block(WAIT);
        long[] afterStream = awaitMetersBeyond(afterCall);

        Usage callUsage = called.getMetadata().getUsage();
        assertThat(callUsage.getPromptTokens()).isPositive();
        assertThat(callUsage.getCompletionTokens()).isPositive();
        assertThat(chunks).hasSizeGreaterThan(1);
        ChatResponse last = chunks.get(chunks.size() - 1);
        Usage streamUsage = last.getMetadata().getUsage();
        assertThat(streamUsage.getPromptTokens()).isEqualTo(callUsage.getPromptTokens());
        assertThat(streamUsage.getCompletionTokens()).isEqualTo(callUsage.getCompletionTokens());
        assertThat(chunks.subList(0, chunks.size() - 1)).as("usage is in the final chunk only")
                .allSatisfy(c -> assertThat(c.getMetadata().getUsage().getTotalTokens()).isZero());
        String streamed = chunks.stream().map(c -> c.getResult().getOutput().getText()).reduce("", String::concat);
        assertThat(streamed).isEqualTo(called.getResult().getOutput().getText());

        // gen_ai.client.token.usage: input and output grew by the call's counts, for the call and the stream alike
        assertThat(afterCall[0] - before[0]).isEqualTo(callUsage.getPromptTokens().longValue());
        assertThat(afterCall[1] - before[1]).isEqualTo(callUsage.getCompletionTokens().longValue());
        assertThat(afterStream[0] - afterCall[0]).isEqualTo(afterCall[0] - before[0]);
        assertThat(afterStream[1] - afterCall[1]).isEqualTo(afterCall[1] - before[1]);
    }

    private static ChatClient.ChatClientRequestSpec spec(ChatClient chat, String question, ChatOptions options) {
        ChatClient.ChatClientRequestSpec spec = chat.prompt().user(question);
        return options == null ? spec : spec.options(options.mutate());
    }

    /** Input and output token counts on the gen_ai.client.token.usage meters of Group Think. */
    private long[] tokenMeters() {
        return new long[] { tokens(AiTokenType.INPUT), tokens(AiTokenType.OUTPUT) };
    }

    private long tokens(AiTokenType type) {
        return Math.round(meters.find(AiObservationMetricNames.TOKEN_USAGE.value())
                .tag(AiObservationAttributes.AI_PROVIDER.value(), GroupThinkChatModel.PROVIDER)
                .tag(AiObservationMetricAttributes.TOKEN_TYPE.value(), type.value())
                .counters().stream().mapToDouble(Counter::count).sum());
    }

    /** The observation of a stream stops when the stream ends, which may be just after the subscriber hears it. */
    private long[] awaitMetersBeyond(long[] previous) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long[] now = tokenMeters();
        while (now[1] == previous[1] && System.nanoTime() < end) {
            Thread.sleep(10);
            now = tokenMeters();
        }
        Thread.sleep(50); // both counters of one observation are recorded together; let them land
        return tokenMeters();
    }

    @Test
    void theAdvisorTurnsAPlainChatClientCallIntoGroupThink() {
        ChatClient chat = chatClientBuilder.build();
        ChatResponse plain = chat.prompt().user("Tom had a red ball.").call().chatResponse();
        assertThat(plain.getMetadata().<Object>get(GroupThinkChatModel.THINKERS_KEY)).isNull();

        long submitted = scheduler.stats().submitted();
        ChatResponse group = chat.prompt().advisors(groupThinkAdvisor).user("Tom had a red ball.").call()
                .chatResponse();
        List<Map<String, Object>> thinkers = group.getMetadata().get(GroupThinkChatModel.THINKERS_KEY);
        assertThat(thinkers).as("groupthink.defaults.thinkers").hasSize(4);
        assertThat(group.getResult().getOutput().getText()).isNotBlank();
        assertThat(scheduler.stats().submitted()).as("one session for four thinkers").isEqualTo(submitted + 1);
        assertThat(group.getMetadata().<Double>get(GroupThinkChatModel.PREFILL_MILLIS_KEY)).isPositive();
        assertThat(group.getMetadata().<Double>get(GroupThinkChatModel.DECODE_MILLIS_KEY)).isPositive();

        List<ChatResponse> streamed = chat.prompt().advisors(groupThinkAdvisor).user("Tom had a red ball.").stream()
                .chatResponse().collectList().block(WAIT);
        ChatResponse last = streamed.get(streamed.size() - 1);
        assertThat(last.getMetadata().<List<?>>get(GroupThinkChatModel.THINKERS_KEY)).hasSize(4);
        assertThat(last.getMetadata().getUsage().getCompletionTokens())
                .isEqualTo(group.getMetadata().getUsage().getCompletionTokens());
    }

    @Test
    void theAdvisorAnswersForAChatClientBuiltOnAnotherModel() {
        AtomicInteger otherCalls = new AtomicInteger();
        ChatModel other = new ChatModel() {
            @Override
            public ChatResponse call(Prompt prompt) {
                otherCalls.incrementAndGet();
                throw new IllegalStateException("the other model must not be called");
            }
        };
        ChatClient elsewhere = ChatClient.builder(other).defaultAdvisors(groupThinkAdvisor).build();
        String answer = elsewhere.prompt().user("Tom had a red ball.")
                .options(ChatOptions.builder().model("some-other-model").maxTokens(8)).call().content();
        assertThat(answer).isNotBlank();
        assertThat(otherCalls).hasValue(0);
    }

    @Test
    void chatMemoryHoldsBothTurnsOfACallAndAStream() {
        ChatMemory memory = MessageWindowChatMemory.builder().build();
        ChatClient chat = chatClientBuilder.defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build(),
                groupThinkAdvisor).build();
        chat.prompt().user("Tom had a red ball.").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c1")).call()
                .content();
        chat.prompt().user("Then it rained.").advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "c1")).stream()
                .content().collectList().block(WAIT);
        assertThat(memory.get("c1")).extracting(m -> m.getMessageType()).containsExactly(MessageType.USER,
                MessageType.ASSISTANT, MessageType.USER, MessageType.ASSISTANT);
        assertThat(memory.get("c1").get(3).getText()).isNotBlank();
    }
}
