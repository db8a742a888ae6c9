package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How often a quantized model still picks the F32 model's token, teacher-forced on the golden
 * sequences of stories260K (llama2.c's fp32 greedy output, which the F32 model reproduces: see
 * GoldenTest). Every step feeds the golden token, so one miss does not derail the steps after it.
 * The shares are printed for Q8_0 and Q4_0; Q8_0 must keep at least 95%.
 */
class QuantizationDriftTest {

    @Test
    void q8_0KeepsTheF32TopTokenOnAtLeast95PercentOfSteps() throws Exception {
        double q8 = agreement("q8_0");
        double q4 = agreement("q4_0");
        System.out.printf("stories260K teacher-forced top-1 agreement with F32: Q8_0 %.1f%%, Q4_0 %.1f%%%n", 100 * q8,
                100 * q4);
        assertThat(q8).as("Q8_0 top-1 agreement with F32").isGreaterThanOrEqualTo(0.95);
        assertThat(q4).as("Q4_0 keeps more than chance").isGreaterThan(0.3);
    }

    private static double agreement(String quantize) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile());
        int same = 0;
        int steps = 0;
        try (GroupThinkModel model = GroupThinkModel.load(TestModels.stories(),
                new GroupThinkModel.Options(0, false, LinearFactory.named("kernel", 0, quantize)))) {
            for (JsonNode c : golden.get("cases")) {
                int[] expected = ints(c.get("generated_ids"));
                int[] agreed = new int[2]; // {same, steps}
                StepHook forced = new StepHook() {
                    @Override
                    public void logits(int lane, int index, float[] l) {
                        int top = 0;
                        for (int v = 1; v < l.length; v++) {
                            top = l[v] > l[top] ? v : top;
                        }
                        agreed[0] += top == expected[index] ? 1 : 0;
                        agreed[1]++;
                    }

                    @Override
                    public int override(int lane, int index, int sampled) {
                        return expected[index];
                    }
                };
                model.run(List.of(model.newPlainSession(c.get("prompt").asText(), expected.length,
                        SamplingOptions.GREEDY, List.of(), 0, SessionListener.NONE, forced)));
                assertThat(agreed[1]).as("steps of %s", c.get("prompt").asText()).isEqualTo(expected.length);
                same += agreed[0];
                steps += agreed[1];
            }
        }
        return same / (double) steps;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
