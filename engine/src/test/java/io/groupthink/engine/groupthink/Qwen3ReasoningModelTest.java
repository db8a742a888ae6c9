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

    /**
     * Thinker 1 writes {@code <think> X </think> answer}; thinker 2's next logits after those four tokens do not
     * depend on X when others see only visible text, and do when they see the reasoning (the default). (Later,
     * thinker 1's visible answer carries what its reasoning led to, as a model's answer does.)
     */
    @Test
    void othersSeeOnlyVisibleTextWhenAsked() {
        for (boolean othersSeeReasoning : new boolean[] {true, false}) {
            float[] a = thinker2Logits(othersSeeReasoning, 1000);
            float[] b = thinker2Logits(othersSeeReasoning, 2000);
            double delta = 0;
            for (int i = 0; i < a.length; i++) {
                delta = Math.max(delta, Math.abs(a[i] - b[i]));
            }
            if (othersSeeReasoning) {
                assertThat(delta).as("reasoning visible: thinker 2 reacts to it").isGreaterThan(1e-4);
            } else {
                assertThat(delta).as("reasoning hidden: thinker 2 cannot tell").isZero();
            }
        }
    }

    private float[] thinker2Logits(boolean othersSeeReasoning, int secret) {
        int[] thinker1 = {THINK, secret, secret + 1, END_THINK, 500, 501, 502, 503};
        float[][] captured = new float[1][];
        StepHook hook = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                if (lane == 1 && index == 4) { // from thinker 2's step-3 token, which sees thinker 1's steps 0-3
                    captured[0] = l.clone();
                }
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return lane == 0 ? thinker1[index] : 700 + index; // never a stop token
            }
        };
        GroupThinkRequest request = GroupThinkRequest.builder("What is 2+2?").thinkers(2).maxTokens(8)
                .enableThinking(true).othersSeeReasoning(othersSeeReasoning).build();
        model.run(List.of(model.newSession(request, null, hook)));
        return captured[0];
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
