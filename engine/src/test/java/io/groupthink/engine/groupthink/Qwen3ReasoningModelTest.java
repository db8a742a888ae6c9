package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.Qwen3Files;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.RandomModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Qwen3-style random model with Qwen3's real tokenizer and chat template: the prompt every thinker gets is the
 * template's rendering (thinking on and off), stop tokens come from generation_config.json, and Group Think runs.
 */
class Qwen3ReasoningModelTest {

    static final int IM_END = 151645;
    static final int END_OF_TEXT = 151643;
    static final int THINK = 151667;
    static final int END_THINK = 151668;

    @TempDir
    static Path tmp;
    static GroupThinkModel model;

    @BeforeAll
    static void load() throws IOException {
        Path dir = RandomModel.write(RandomModel.Spec.tiny("qwen3").tied(true).with(DType.BF16, 1), tmp.resolve("m"),
                Qwen3Files.unpack(tmp.resolve("tok")));
        model = GroupThinkModel.load(dir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void realTokenizerTemplateAndStopTokens() {
        assertThat(model.config().vocabSize()).isEqualTo(151680);
        assertThat(model.tokenizer().encode("<think>", false)).containsExactly(THINK);
        assertThat(model.stopIds()).contains(IM_END, END_OF_TEXT);
        ChatTemplate t = model.chatTemplate();
        List<ChatTemplate.Message> q = List.of(new ChatTemplate.Message("user", "2+2?"));
        assertThat(t.render(q, true)).isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(q, true, ChatTemplate.Variables.NONE.withEnableThinking(false)))
                .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void groupThinkRunsWithThinkingOnAndOff() {
        for (Boolean thinking : new Boolean[] {true, false}) {
            GroupThinkRequest request = GroupThinkRequest.builder("What is 2+2?").thinkers(2).maxTokens(6)
                    .enableThinking(thinking).build();
            GroupThinkSession session = model.newSession(request, null, null);
            int[] lane1 = concat(session.plan().shared(), session.plan().instructions()[0]);
            boolean endsWithEmptyThink = lane1.length >= 4 && lane1[lane1.length - 4] == THINK
                    && lane1[lane1.length - 2] == END_THINK;
            assertThat(endsWithEmptyThink).as("thinking %s: prompt ends with an empty think span", thinking)
                    .isEqualTo(!thinking);
            GroupThinkResult result = model.run(List.of(session)).get(0);
            assertThat(result.thinkers()).hasSize(2);
            for (GroupThinkResult.ThinkerResult r : result.thinkers()) {
                assertThat(r.tokens().length).isBetween(1, 6);
                assertThat(r.text()).isEqualTo(model.tokenizer().decode(r.tokens()));
            }
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
