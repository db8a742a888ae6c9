package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.VisibilityRule;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The heap pass keeps its buffers from one pass to the next (llama2.c's RunState). Two passes on
 * one transformer at once, each over its own cache, must still not share them: run side by side,
 * pass for pass, two sequences give the logits each gives alone, to the bit. A pass that took
 * the other's buffers would read its norm, queries or hidden state.
 */
class ConcurrentPassesTest {

    private static final int[][] PROMPTS = {{1, 17, 42, 99, 5, 63}, {1, 250, 3, 77}};
    private static final int DECODE_STEPS = 8;

    @Test
    void twoPassesAtOnceKeepTheirOwnBuffers() throws Exception {
        try (GroupThinkModel model = GroupThinkModel.load(TestModels.random(RandomModel.Spec.tiny("llama")),
                new GroupThinkModel.Options(0, false, LinearFactory.named("kernel", 0)))) {
            Transformer transformer = model.transformer();
            List<List<float[]>> alone = new ArrayList<>();
            for (int s = 0; s < PROMPTS.length; s++) {
                alone.add(run(model, transformer, s, null));
            }
            assertThat(alone.get(0).get(DECODE_STEPS)).as("the two sequences differ")
                    .isNotEqualTo(alone.get(1).get(DECODE_STEPS));

            CyclicBarrier together = new CyclicBarrier(PROMPTS.length); // each pass starts with the other's
            ExecutorService threads = Executors.newFixedThreadPool(PROMPTS.length);
            try {
                for (int round = 0; round < 5; round++) {
                    List<Future<List<float[]>>> runs = new ArrayList<>();
                    for (int s = 0; s < PROMPTS.length; s++) {
                        int sequence = s;
                        runs.add(threads.submit(() -> run(model, transformer, sequence, together)));
                    }
                    for (int s = 0; s < PROMPTS.length; s++) {
                        List<float[]> got = runs.get(s).get(60, TimeUnit.SECONDS);
                        for (int p = 0; p < got.size(); p++) {
                            assertThat(got.get(p)).as("round %d, sequence %d, pass %d", round, s, p)
                                    .containsExactly(alone.get(s).get(p));
                        }
                    }
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** Sequence s: its prompt in one pass, then greedy one-token passes; the last row's logits of each pass. */
    private static List<float[]> run(GroupThinkModel model, Transformer transformer, int s, CyclicBarrier together)
            throws Exception {
        long session = s + 1;
        VisibilityRule rule = new VisibilityRule(Mode.GROUP_THINK, Integer.MIN_VALUE, false);
        List<float[]> logits = new ArrayList<>();
        try (KvCache cache = model.newKvCache(PROMPTS[s].length + DECODE_STEPS + 1)) {
            Batch prompt = new Batch().rule(session, rule);
            int[] tokens = PROMPTS[s];
            for (int i = 0; i < tokens.length; i++) {
                prompt.add(tokens[i], i, new Owner(session, Owner.SHARED, Owner.PROMPT, i), i == tokens.length - 1);
            }
            float[] last = pass(transformer, prompt, cache, together)[tokens.length - 1];
            logits.add(last);
            for (int step = 0; step < DECODE_STEPS; step++) {
                int position = tokens.length + step;
                Batch next = new Batch().rule(session, rule);
                next.add(Sampler.argmax(last), position, new Owner(session, 0, step, position), true);
                last = pass(transformer, next, cache, together)[0];
                logits.add(last);
            }
        }
        return logits;
    }

    private static float[][] pass(Transformer transformer, Batch batch, KvCache cache, CyclicBarrier together)
            throws Exception {
        if (together != null) {
            together.await(30, TimeUnit.SECONDS);
        }
        return transformer.forward(batch, cache);
    }
}
