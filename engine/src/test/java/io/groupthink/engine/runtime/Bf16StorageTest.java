package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.sampling.SamplingOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bf16 checkpoint's weights held as bf16 by the kernel stream half the bytes and decode exactly
 * as the same kernel over fp32 copies of them: widening bf16 is exact and the kernels share their
 * summation order.
 */
class Bf16StorageTest {

    @Test
    void bf16StorageHalvesBytesAndChangesNoLogit() {
        Path dir = TestModels.random(RandomModel.Spec.tiny("qwen2").tied(true).with(DType.BF16, 1));
        try (GroupThinkModel half = GroupThinkModel.load(dir, options(WeightStorage.BF16_WHERE_EXACT));
                GroupThinkModel full = GroupThinkModel.load(dir, options(WeightStorage.FP32));
                GroupThinkModel torch = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false,
                        LinearFactory.TORCH))) {
            assertThat(half.transformer().weightBytesPerStep() * 2).isEqualTo(full.transformer().weightBytesPerStep());
            assertThat(full.transformer().weightBytesPerStep()).isGreaterThanOrEqualTo(
                    torch.transformer().weightBytesPerStep());

            List<float[]> a = decode(half);
            List<float[]> b = decode(full);
            assertThat(a).hasSameSizeAs(b);
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.get(i)).as("logits of step %d", i).containsExactly(b.get(i));
            }
        }
    }

    @Test
    void fp32CheckpointStaysFp32() {
        Path dir = TestModels.random(RandomModel.Spec.tiny("llama"));
        try (GroupThinkModel kernel = GroupThinkModel.load(dir, options(WeightStorage.BF16_WHERE_EXACT));
                GroupThinkModel torch = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false,
                        LinearFactory.TORCH))) {
            // random fp32 weights are not bf16 values: nothing may be rounded
            assertThat(kernel.transformer().weightBytesPerStep()).isGreaterThanOrEqualTo(
                    torch.transformer().weightBytesPerStep());
        }
    }

    private static GroupThinkModel.Options options(WeightStorage storage) {
        return new GroupThinkModel.Options(0, false, LinearFactory.vector(0, storage));
    }

    private static List<float[]> decode(GroupThinkModel model) {
        List<float[]> logits = new ArrayList<>();
        GroupThinkResult r = model.run(List.of(model.newPlainSession("bf16 weights", 12, SamplingOptions.GREEDY,
                List.of(), 0, SessionListener.NONE, CacheVsRecomputeTest.capturing(model, logits)))).get(0);
        assertThat(r.thinkers().get(0).tokens()).hasSize(12);
        return logits;
    }
}
