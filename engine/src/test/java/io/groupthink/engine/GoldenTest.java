package io.groupthink.engine;

import static io.groupthink.engine.TestModels.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy decoding of stories260K equals llama2.c run.c's output, token for token, from the Hugging Face
 * folder (both linear operators) and from the original GGUF file (its own tokenizer and weights).
 */
class GoldenTest {

    static Stream<Arguments> cases() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile());
        List<Arguments> list = new ArrayList<>();
        for (boolean kernel : new boolean[] {false, true}) {
            golden.get("cases").forEach(c -> list.add(Arguments.of(kernel ? "vector kernel" : "LibTorch", c)));
        }
        golden.get("cases").forEach(c -> list.add(Arguments.of("GGUF", c)));
        return list.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void greedyMatchesTheCReference(String linear, JsonNode c) {
        GroupThinkModel model = linear.equals("GGUF") ? TestModels.load(TestModels.storiesGguf())
                : TestModels.load(TestModels.stories(), linear.equals("vector kernel"));
        String prompt = c.get("prompt").asText();
        assertThat(model.tokenizer().encode(prompt, true)).containsExactly(ints(c.get("prompt_ids")));

        List<float[]> logits = new ArrayList<>();
        StepHook capture = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                logits.add(l.clone());
            }
        };
        GroupThinkResult r = model.run(List.of(model.newPlainSession(prompt, 64, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, capture))).get(0);

        assertThat(r.thinkers().get(0).tokens()).containsExactly(ints(c.get("generated_ids")));
        JsonNode top5 = c.get("first_step_top5");
        for (JsonNode pair : top5) {
            assertThat(logits.get(0)[pair.get(0).asInt()]).isCloseTo((float) pair.get(1).asDouble(), within(1e-4f));
        }
        JsonNode firstLogits = c.get("first_step_logits");
        for (int i = 0; i < firstLogits.size(); i++) {
            assertThat(logits.get(0)[i]).isCloseTo((float) firstLogits.get(i).asDouble(), within(1e-4f));
        }
        JsonNode top1 = c.get("per_step_top1_logit");
        for (int step = 0; step < top1.size(); step++) {
            float[] l = logits.get(step);
            float max = Float.NEGATIVE_INFINITY;
            for (float v : l) {
                max = Math.max(max, v);
            }
            assertThat(max).as("top-1 logit at step %d", step).isCloseTo((float) top1.get(step).asDouble(), within(1e-3f));
        }
    }
}
