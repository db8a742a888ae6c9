package io.groupthink.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.StepHook;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hugging Face's RepetitionPenaltyLogitsProcessor: each distinct id of the context once, prompt included. */
class RepetitionPenaltyTest {

    /** HF's rule written out: gather the distinct ids' scores, penalise, scatter back. */
    static float[] hf(float[] logits, int[] inputIds, float penalty) {
        float[] out = logits.clone();
        for (int id : Arrays.stream(inputIds).distinct().toArray()) {
            out[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
        }
        return out;
    }

    @Test
    void anIdSeenManyTimesIsPenalisedOnceAsInHuggingFace() {
        float[] logits = {2.0f, 1.9f, -0.5f, 1.0f};
        int[] context = {0, 0, 0, 2, 2};
        float penalty = 1.5f;
        Sampler s = new Sampler(new SamplingOptions(0, 0, 1, penalty, 0));
        int got = s.sample(logits, Arrays.stream(context).boxed().toList());
        assertThat(got).isEqualTo(Sampler.argmax(hf(logits, context, penalty)));
        float[] close = {2.0f, 0.0f, -0.5f, 1.0f}; // 0 once: 1.33 beats 1.0; thrice: 0.59 loses to 1.0
        assertThat(new Sampler(new SamplingOptions(0, 0, 1, penalty, 0))
                .sample(close, Arrays.stream(context).boxed().toList())).isEqualTo(0)
                .isEqualTo(Sampler.argmax(hf(close, context, penalty)));
    }

    @Test
    void theSessionPenalisesPromptTokensToo() {
        GroupThinkModel model = TestModels.load(TestModels.stories());
        float penalty = 1e6f; // a seen id practically never wins again
        StepHook noStop = new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                return sampled;
            }
        };
        GroupThinkSession session = model.newPlainSession("Tom had a red ball and a red hat.", 24,
                new SamplingOptions(0, 0, 1, penalty, 0), List.of(), 0, null, noStop);
        GroupThinkResult r = model.run(List.of(session)).get(0);
        int[] prompt = session.plan().shared();
        int[] generated = r.thinkers().get(0).tokens();
        Set<Integer> seen = new HashSet<>();
        Arrays.stream(prompt).forEach(seen::add);
        for (int t : generated) {
            assertThat(seen.add(t)).as("token %d repeats the prompt or an earlier token", t).isTrue();
        }
        assertThat(generated).isNotEmpty();
    }
}
