package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.ReferenceLlama;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.sampling.SamplingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental decoding with the KV cache equals a from-scratch recompute by the plain-Java
 * reference (no cache), on random models of every architecture, with LibTorch's products and with
 * the kernel's (whose decode steps run RoPE, the cache and attention on the Java heap).
 */
class CacheVsRecomputeTest {

    static Stream<Arguments> architectures() {
        return Stream.of(false, true).flatMap(kernel -> specs().map(a -> Arguments.of(
                a.get()[0] + (kernel ? " (vector kernel)" : ""), a.get()[1], kernel)));
    }

    private static Stream<Arguments> specs() {
        return Stream.of(
                Arguments.of("llama GQA, untied head", RandomModel.Spec.tiny("llama")),
                Arguments.of("llama tied head, llama3 rope scaling", RandomModel.Spec.tiny("llama").tied(true).ropeScaling(true)),
                Arguments.of("qwen2 q/k/v bias", RandomModel.Spec.tiny("qwen2")),
                Arguments.of("qwen3 q/k norm", RandomModel.Spec.tiny("qwen3")),
                Arguments.of("mistral, 3 BF16 shards", RandomModel.Spec.tiny("mistral").with(DType.BF16, 3)),
                Arguments.of("llama F16", RandomModel.Spec.tiny("llama").with(DType.F16, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void cachedDecodingEqualsFullRecompute(String name, RandomModel.Spec spec, boolean kernel) {
        Path dir = TestModels.random(spec);
        GroupThinkModel model = TestModels.load(dir, kernel);
        List<float[]> cached = new ArrayList<>();
        StepHook capture = capturing(model, cached);
        int steps = 32;
        GroupThinkResult r = model.run(List.of(model.newPlainSession("the cache test", steps,
                SamplingOptions.GREEDY, List.of(), 0, SessionListener.NONE, capture))).get(0);
        int[] prompt = model.tokenizer().encode("the cache test", true);
        int[] generated = r.thinkers().get(0).tokens();
        assertThat(generated.length).isEqualTo(steps);
        float[][] reference = recomputed(dir, prompt, generated);
        double maxDelta = 0;
        for (int step = 0; step < generated.length; step++) {
            float[] ref = reference[prompt.length - 1 + step];
            float[] got = cached.get(step);
            for (int v = 0; v < ref.length; v++) {
                maxDelta = Math.max(maxDelta, Math.abs(ref[v] - got[v]));
            }
        }
        assertThat(maxDelta).as("max |logit delta| over %d steps", generated.length).isLessThanOrEqualTo(1e-4);
    }

    /**
     * A prompt longer than a heap step's rows runs on the kernel's heap path in chunks (each
     * chunk's keys written before the next one attends to them); prompt and decode logits equal
     * the reference's. 150 tokens: chunks of 64, 64 and 22.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void aLongPromptInChunksEqualsFullRecompute(String name, RandomModel.Spec spec) {
        Path dir = TestModels.random(spec);
        GroupThinkModel model = TestModels.load(dir, true);
        int[] prompt = new int[150];
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < prompt.length; i++) {
            do {
                prompt[i] = random.nextInt(model.config().vocabSize());
            } while (model.stopIds().contains(prompt[i]));
        }
        List<float[]> cached = new ArrayList<>();
        int steps = 6;
        GroupThinkResult r = model.run(List.of(model.newPlainSession(prompt, steps, SamplingOptions.GREEDY,
                List.of(), 0, SessionListener.NONE, capturing(model, cached)))).get(0);
        int[] generated = r.thinkers().get(0).tokens();
        float[][] reference = recomputed(dir, prompt, generated);
        assertThat(cached).hasSize(steps);
        for (int step = 0; step < steps; step++) {
            float[] ref = reference[prompt.length - 1 + step];
            double maxDelta = 0;
            for (int v = 0; v < ref.length; v++) {
                maxDelta = Math.max(maxDelta, Math.abs(ref[v] - cached.get(step)[v]));
            }
            assertThat(maxDelta).as("max |logit delta| at step %d", step).isLessThanOrEqualTo(1e-4);
        }
    }

    /** The plain-Java reference's logits at every position of prompt + generated, from scratch (no cache). */
    private static float[][] recomputed(Path dir, int[] prompt, int[] generated) {
        int[] all = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        int[] positions = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            positions[i] = i;
        }
        return new ReferenceLlama(dir).forward(all, positions, ReferenceLlama.causal(all.length));
    }

    /**
     * A hook that records every step's logits into {@code into} and replaces stop tokens: a random
     * model may greedily pick BOS/EOS, and the tests want their full number of steps.
     */
    static StepHook capturing(GroupThinkModel model, List<float[]> into) {
        return new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                into.add(l.clone());
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return model.stopIds().contains(sampled) ? 3 + index : sampled;
            }
        };
    }
}
