package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.sampling.SamplingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two models in one JVM, driven from 4 threads for 100 generations, give the tokens of their solo
 * runs exactly and their logits within rounding: each model has its own kernel threads, and no
 * caller's product can take another's place.
 */
class TwoModelsTest {

    private static final String[] PROMPTS = {"Once upon a time", "The cat", "Lily wanted", "One day, a big", "Tom"};
    private static final int TOKENS = 12;
    /**
     * Concurrent generations on one model share its scheduler's batches, and a product over several
     * rows sums in another order than a one-row product: logits agree to rounding, not to the bit.
     * A pool that let one caller take another's task gave wrong tokens, far outside this bound.
     */
    private static final float LOGIT_TOLERANCE = 1e-4f;

    @ParameterizedTest(name = "linear {0}")
    @ValueSource(strings = {"auto", "kernel"})
    void concurrentRunsEqualSoloRuns(String linear) throws Exception {
        Path[] dirs = {TestModels.stories(), TestModels.random(RandomModel.Spec.tiny("llama"))};
        GroupThinkModel[] models = new GroupThinkModel[2];
        try {
            for (int i = 0; i < 2; i++) {
                models[i] = GroupThinkModel.load(dirs[i], new GroupThinkModel.Options(0, false,
                        LinearFactory.named(linear, 0)));
            }
            Run[][] solo = new Run[2][PROMPTS.length];
            for (int m = 0; m < 2; m++) {
                for (int p = 0; p < PROMPTS.length; p++) {
                    solo[m][p] = generate(models[m], PROMPTS[p]);
                }
            }
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int g = 0; g < 100; g++) {
                    int m = g % 2;
                    int p = (g / 2) % PROMPTS.length;
                    done.add(threads.submit(() -> {
                        Run r = generate(models[m], PROMPTS[p]);
                        assertThat(r.tokens).as("model %d, prompt %d: tokens", m, p).containsExactly(solo[m][p].tokens);
                        assertThat(r.logits).as("model %d, prompt %d: steps", m, p).hasSameSizeAs(solo[m][p].logits);
                        for (int s = 0; s < r.logits.size(); s++) {
                            assertThat(r.logits.get(s)).as("model %d, prompt %d, step %d: logits", m, p, s)
                                    .containsExactly(solo[m][p].logits.get(s), within(LOGIT_TOLERANCE));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                threads.shutdownNow();
            }
        } finally {
            for (GroupThinkModel m : models) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    private record Run(int[] tokens, List<float[]> logits) {}

    private static Run generate(GroupThinkModel model, String prompt) {
        List<float[]> logits = new ArrayList<>();
        GroupThinkResult r = model.run(List.of(model.newPlainSession(prompt, TOKENS, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, CacheVsRecomputeTest.capturing(model, logits)))).get(0);
        return new Run(r.thinkers().get(0).tokens(), logits);
    }
}
