package io.groupthink.engine.model.gguf;

import static io.groupthink.engine.TestModels.ints;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.sampling.SamplingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantized GGUF files (written by {@link GgufQuantizer}) load, run {@code generate} and {@code think},
 * and agree with their F32 original: teacher-forced on golden.json's sequences, the share of steps
 * whose top-1 token equals the F32 model's is printed and bounded per type. Q8_0 and Q4_0 use
 * stories260K itself; its 64-wide rows are not whole 256-value blocks, so the K-quants use a random
 * model of the same vocabulary with 256-wide rows (random weights, so its figures only compare types).
 */
class QuantizedGgufTest {

    @TempDir
    Path tmp;

    @Test
    void storiesQ8_0AndQ4_0() throws IOException {
        Map<GgmlType, Double> floor = Map.of(GgmlType.Q8_0, 0.95, GgmlType.Q4_0, 0.6);
        check(TestModels.storiesGguf(), "stories260K", floor);
    }

    @Test
    void randomModelKQuants() throws IOException {
        Path f32 = tmp.resolve("random-256-f32.gguf");
        randomModel(GgufFile.open(TestModels.storiesGguf())).write(f32);
        Map<GgmlType, Double> floor = Map.of(GgmlType.Q4_K, 0.6, GgmlType.Q5_K, 0.75, GgmlType.Q6_K, 0.85);
        check(f32, "random 256-wide llama", floor);
    }

    private void check(Path f32File, String label, Map<GgmlType, Double> floors) throws IOException {
        JsonNode golden = new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile());
        try (GroupThinkModel f32 = load(f32File)) {
            List<int[]> reference = new ArrayList<>();
            for (JsonNode c : golden.get("cases")) {
                reference.add(teacherForcedTop1(f32, ints(c.get("prompt_ids")), ints(c.get("generated_ids"))));
            }
            for (GgmlType type : floors.keySet().stream().sorted().toList()) {
                Path q = tmp.resolve(type + ".gguf");
                GgufQuantizer.quantize(GgufFile.open(f32File), q, type);
                try (GroupThinkModel model = load(q)) {
                    assertThat(model.tensorTypes()).containsKey(type.name());
                    int same = 0;
                    int total = 0;
                    int k = 0;
                    for (JsonNode c : golden.get("cases")) {
                        int[] got = teacherForcedTop1(model, ints(c.get("prompt_ids")), ints(c.get("generated_ids")));
                        int[] want = reference.get(k++);
                        for (int i = 0; i < want.length; i++) {
                            same += got[i] == want[i] ? 1 : 0;
                        }
                        total += want.length;
                    }
                    double agreement = (double) same / total;
                    System.out.printf("%s %s: teacher-forced top-1 agreement with F32 %d/%d = %.3f; tensors %s%n",
                            label, type, same, total, agreement, model.tensorTypes());
                    assertThat(agreement).as("%s %s agreement", label, type).isGreaterThanOrEqualTo(floors.get(type));
                    generateAndThink(model);
                }
            }
        }
    }

    private static GroupThinkModel load(Path file) {
        return GroupThinkModel.load(file, new GroupThinkModel.Options(0, false, LinearFactory.TORCH));
    }

    /** The model's greedy choice at each step while being fed {@code forced} (teacher forcing). */
    static int[] teacherForcedTop1(GroupThinkModel model, int[] prompt, int[] forced) {
        List<Integer> top1 = new ArrayList<>();
        StepHook hook = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                int best = 0;
                for (int v = 1; v < l.length; v++) {
                    best = l[v] > l[best] ? v : best;
                }
                top1.add(best);
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return forced[index];
            }
        };
        model.run(List.of(model.newPlainSession(prompt, forced.length, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, hook)));
        return top1.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void generateAndThink(GroupThinkModel model) {
        GroupThinkResult g = model.generate("Once upon a time", 16, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE);
        assertThat(g.thinkers().get(0).tokens()).isNotEmpty();
        GroupThinkResult t = model.think(GroupThinkRequest.builder("Tom had a red ball.").thinkers(2).maxTokens(8)
                .build());
        assertThat(t.thinkers()).hasSize(2).allSatisfy(r -> assertThat(r.tokens()).isNotEmpty());
    }

    /** stories260K's tokenizer and a random llama with 256-wide rows: 2 layers, 4 heads of 64, 2 KV heads. */
    static GgufWriter randomModel(GgufFile stories) {
        Map<String, Object> o = new HashMap<>();
        o.put("llama.embedding_length", 256L);
        o.put("llama.feed_forward_length", 512L);
        o.put("llama.block_count", 2L);
        o.put("llama.attention.head_count", 4L);
        o.put("llama.attention.head_count_kv", 2L);
        o.put("llama.rope.dimension_count", 64L);
        o.put("llama.context_length", 512L);
        GgufWriter w = new GgufWriter();
        stories.metadata().forEach((k, v) -> w.copy(k, o.getOrDefault(k, v)));
        Random r = new Random(5);
        int dim = 256;
        int ffn = 512;
        int kv = 128;
        w.f32Tensor("token_embd.weight", new long[] {512, dim}, gaussian(r, 512 * dim, 1.0));
        for (int l = 0; l < 2; l++) {
            String p = "blk." + l + ".";
            w.f32Tensor(p + "attn_norm.weight", new long[] {dim}, ones(dim));
            w.f32Tensor(p + "attn_q.weight", new long[] {dim, dim}, gaussian(r, dim * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "attn_k.weight", new long[] {kv, dim}, gaussian(r, kv * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "attn_v.weight", new long[] {kv, dim}, gaussian(r, kv * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "attn_output.weight", new long[] {dim, dim}, gaussian(r, dim * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "ffn_norm.weight", new long[] {dim}, ones(dim));
            w.f32Tensor(p + "ffn_gate.weight", new long[] {ffn, dim}, gaussian(r, ffn * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "ffn_up.weight", new long[] {ffn, dim}, gaussian(r, ffn * dim, 1 / Math.sqrt(dim)));
            w.f32Tensor(p + "ffn_down.weight", new long[] {dim, ffn}, gaussian(r, dim * ffn, 1 / Math.sqrt(ffn)));
        }
        w.f32Tensor("output_norm.weight", new long[] {dim}, ones(dim));
        w.f32Tensor("output.weight", new long[] {512, dim}, gaussian(r, 512 * dim, 0.2));
        return w;
    }

    private static float[] gaussian(Random r, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * sd);
        }
        return x;
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }
}
