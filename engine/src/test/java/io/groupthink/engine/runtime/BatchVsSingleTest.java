package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.sampling.SamplingOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** B different prompts in one batch give the same logits as B separate runs; memory stays flat. */
class BatchVsSingleTest {

    static final List<String> PROMPTS = List.of("Once upon a time", "Tom and Lily went to the park",
            "The cat", "A big red ball rolled down the hill and", "Sue", "One day, a little bird");

    @ParameterizedTest(name = "kernel={0}")
    @ValueSource(booleans = {false, true})
    void aBatchOfPromptsEqualsSeparateRuns(boolean kernel) {
        GroupThinkModel model = TestModels.load(TestModels.stories(), kernel);
        List<Map<Integer, float[]>> alone = new ArrayList<>();
        List<int[]> aloneTokens = new ArrayList<>();
        for (String p : PROMPTS) {
            Map<Integer, float[]> logits = new HashMap<>();
            GroupThinkResult r = model.run(List.of(session(model, p, logits))).get(0);
            alone.add(logits);
            aloneTokens.add(r.thinkers().get(0).tokens());
        }
        List<Map<Integer, float[]>> together = new ArrayList<>();
        List<GroupThinkSession> sessions = new ArrayList<>();
        for (String p : PROMPTS) {
            Map<Integer, float[]> logits = new HashMap<>();
            together.add(logits);
            sessions.add(session(model, p, logits));
        }
        List<GroupThinkResult> results = model.run(sessions);
        double maxDelta = 0;
        for (int b = 0; b < PROMPTS.size(); b++) {
            assertThat(results.get(b).thinkers().get(0).tokens()).containsExactly(aloneTokens.get(b));
            for (var e : alone.get(b).entrySet()) {
                float[] a = e.getValue();
                float[] t = together.get(b).get(e.getKey());
                for (int v = 0; v < a.length; v++) {
                    maxDelta = Math.max(maxDelta, Math.abs(a[v] - t[v]));
                }
            }
        }
        assertThat(maxDelta).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest(name = "kernel={0}")
    @ValueSource(booleans = {false, true})
    void liveArraysStayFlatAcross200Steps(boolean kernel) {
        GroupThinkModel model = TestModels.load(TestModels.random(new RandomModel.Spec("llama", 64, 160, 2, 8, 2, 8, 300,
                1024, false, io.groupthink.engine.model.DType.F32, 1, 42, false)), kernel);
        StepHook noStop = new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                return sampled <= 2 ? 9 : sampled;
            }
        };
        model.run(List.of(model.newPlainSession("warm up", 4, SamplingOptions.GREEDY, List.of(), 0, null, noStop)));
        int before = model.liveArrays();
        int[] during = new int[1];
        StepHook watch = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                if (index == 150) {
                    during[0] = model.liveArrays() - before;
                }
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return noStop.override(lane, index, sampled);
            }
        };
        GroupThinkResult r = model.run(List.of(model.newPlainSession("two hundred steps", 200,
                SamplingOptions.sampled(0.8, 0.9, 7), List.of(), 0, null, watch))).get(0);
        assertThat(r.thinkers().get(0).tokens()).hasSize(200);
        // the engine's KV cache was allocated once, before the warm-up: mid-run and after, nothing is extra
        assertThat(during[0]).isZero();
        assertThat(model.liveArrays()).isEqualTo(before);
    }

    static GroupThinkSession session(GroupThinkModel model, String prompt, Map<Integer, float[]> logits) {
        return model.newPlainSession(prompt, 24, SamplingOptions.GREEDY, List.of(), 0, null, new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                logits.put(index, l.clone());
            }
        });
    }
}
