package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI's own OpenAI {@code ChatModel} (the official OpenAI Java SDK underneath), pointed at
 * this server on loopback: a call, a stream and n = 4, each checked against the engine's direct
 * result for the same greedy request.
 */
class SpringAiOpenAiClientTest extends ServerTestBase {

    private OpenAiChatModel client(OpenAiChatOptions.Builder options) {
        return OpenAiChatModel.builder()
                .options(options.baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(KEY)
                        .model(MODEL).temperature(0.0).maxRetries(0)
                        .timeout(Duration.ofSeconds(120)).build())
                .build();
    }

    @Test
    void callGetsTheEnginesTextUsageAndFinishReason() throws Exception {
        GroupThinkResult direct = direct(user(QUESTION), 24);
        ChatResponse response = client(OpenAiChatOptions.builder().maxTokens(24))
                .call(new Prompt(QUESTION));
        assertThat(response.getResult().getOutput().getText()).isEqualTo(direct.thinkers().get(0).text());
        assertThat(finish(response.getResult())).isEqualTo("length");
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(direct.promptTokens());
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(direct.generatedTokens());
        assertThat(response.getMetadata().getModel()).isEqualTo(MODEL);
    }

    @Test
    void streamGetsTheSameTextInPiecesThenUsage() throws Exception {
        GroupThinkResult direct = direct(user(QUESTION), 24);
        List<ChatResponse> chunks = client(OpenAiChatOptions.builder().maxTokens(24).streamUsage(true))
                .stream(new Prompt(QUESTION)).collectList().block(Duration.ofSeconds(120));
        StringBuilder text = new StringBuilder();
        String finish = null;
        Integer promptTokens = null;
        Integer completionTokens = null;
        for (ChatResponse c : chunks) {
            for (Generation g : c.getResults()) {
                if (g.getOutput().getText() != null) {
                    text.append(g.getOutput().getText());
                }
                if (g.getMetadata().getFinishReason() != null && !g.getMetadata().getFinishReason().isEmpty()) {
                    finish = g.getMetadata().getFinishReason().toLowerCase(Locale.ROOT);
                }
            }
            if (c.getMetadata().getUsage() != null && c.getMetadata().getUsage().getTotalTokens() != null
                    && c.getMetadata().getUsage().getTotalTokens() > 0) {
                promptTokens = c.getMetadata().getUsage().getPromptTokens();
                completionTokens = c.getMetadata().getUsage().getCompletionTokens();
            }
        }
        assertThat(chunks.size()).as("streamed in pieces").isGreaterThan(5);
        assertThat(text.toString()).isEqualTo(direct.thinkers().get(0).text());
        assertThat(finish).isEqualTo("length");
        assertThat(promptTokens).isEqualTo(direct.promptTokens());
        assertThat(completionTokens).isEqualTo(direct.generatedTokens());
    }

    @Test
    void nFourGivesFourThinkersAsGenerationsInOrder() throws Exception {
        // Direct: the same Group Think session (4 thinkers, group mode, greedy) run on the engine.
        GroupThinkResult direct = directGroup(4, Mode.GROUP_THINK, 12);
        ChatResponse response = client(OpenAiChatOptions.builder().maxTokens(12).n(4))
                .call(new Prompt(QUESTION));
        assertThat(response.getResults()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            GroupThinkResult.ThinkerResult t = direct.thinkers().get(i);
            assertThat(response.getResults().get(i).getOutput().getText()).as("thinker %d", i + 1)
                    .isEqualTo(t.text());
            assertThat(finish(response.getResults().get(i))).isEqualTo(
                    Completions.finishReason(t.finishReason()));
        }
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(direct.promptTokens());
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(direct.generatedTokens());
    }

    private static String finish(Generation g) {
        return g.getMetadata().getFinishReason().toLowerCase(Locale.ROOT);
    }
}
