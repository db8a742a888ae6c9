package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.ReferenceLlama;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.RandomModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every thinker's logits at every step equal a from-scratch recompute (plain-Java reference, no
 * cache) over an explicitly built token list whose visibility is written out here, independently
 * of {@link VisibilityRule} and {@link MaskOperator}.
 */
class DenseReferenceTest {

    static final PromptTemplate SHORT = new PromptTemplate("We are {count} friends.", "A story.",
            "{question} I am friend {id}.{role}", " I {role}.", "F{id}:", " The end:");
    static final int STEPS = 32;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String model : List.of("stories260K", "random GQA")) {
            for (Layout layout : Layout.values()) {
                for (int n : new int[] {1, 2, 4, 8}) {
                    out.add(Arguments.of(model, Mode.GROUP_THINK, layout, n));
                }
            }
            out.add(Arguments.of(model, Mode.INDEPENDENT, Layout.SLOTTED, 4));
            out.add(Arguments.of(model + " (vector kernel)", Mode.GROUP_THINK, Layout.SLOTTED, 4));
            out.add(Arguments.of(model + " (vector kernel)", Mode.GROUP_THINK, Layout.INTERLEAVED, 8));
        }
        return out.stream();
    }

    static Path dir(String model) {
        return model.startsWith("stories260K") ? TestModels.stories() : TestModels.random(RandomModel.Spec.tiny("llama"));
    }

    @ParameterizedTest(name = "{0} {1} {2} N={3}")
    @MethodSource("cases")
    void everyThinkerEveryStepMatchesTheDenseReference(String modelName, Mode mode, Layout layout, int n) {
        Path dir = dir(modelName);
        GroupThinkModel model = TestModels.load(dir, modelName.endsWith("(vector kernel)"));
        GroupThinkRequest request = GroupThinkRequest.builder("Tom had a red ball.").thinkers(n).maxTokens(STEPS)
                .mode(mode).layout(layout).template(SHORT).build();
        Map<String, float[]> logits = new HashMap<>();
        StepHook hook = recording(model, logits);
        GroupThinkSession session = model.newSession(request, SessionListener.NONE, hook);
        GroupThinkResult result = model.run(List.of(session)).get(0);
        PromptPlan plan = session.plan();

        Dense dense = Dense.build(plan, result, mode, layout, STEPS);
        float[][] reference = new ReferenceLlama(dir).forward(dense.tokens(), dense.positions(), dense.sees());
        double maxDelta = 0;
        int compared = 0;
        for (int lane = 0; lane < n; lane++) {
            int[] generated = result.thinkers().get(lane).tokens();
            assertThat(generated).hasSize(STEPS);
            for (int k = 0; k < STEPS; k++) {
                float[] got = logits.get(lane + "/" + k);
                float[] ref = reference[dense.sourceRow(lane, k)];
                for (int v = 0; v < ref.length; v++) {
                    maxDelta = Math.max(maxDelta, Math.abs(got[v] - ref[v]));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(n * STEPS);
        assertThat(maxDelta).as("max |logit delta| over %d thinker-steps", compared).isLessThanOrEqualTo(1e-4);
    }

    /** Keeps every lane's logits under "lane/index" and never lets a lane stop early: it runs its full budget. */
    static StepHook recording(GroupThinkModel model, Map<String, float[]> into) {
        return new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                into.put(lane + "/" + index, l.clone());
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return model.stopIds().contains(sampled) ? 5 + lane + index : sampled;
            }
        };
    }

    /** The explicit token list: shared prompt, each lane's instructions and header, then tokens by step. */
    record Dense(int[] tokens, int[] positions, boolean[][] sees, Map<String, Integer> rows) {

        int sourceRow(int lane, int k) {
            return k == 0 ? rows.get(lane + "/prefill") : rows.get(lane + "/" + (k - 1));
        }

        static Dense build(PromptPlan plan, GroupThinkResult result, Mode mode, Layout layout, int budget) {
            return build(plan, result, mode, layout, budget, budget);
        }

        /** The prompt and the first {@code steps} of a {@code budget}-token session (0: the prompt alone). */
        static Dense build(PromptPlan plan, GroupThinkResult result, Mode mode, Layout layout, int budget, int steps) {
            int n = plan.lanes();
            List<int[]> entries = new ArrayList<>(); // {token, position, lane, kind, step}; kind 0 shared 1 instr 2 header 3 gen
            Map<String, Integer> rows = new HashMap<>();
            int shared = plan.shared().length;
            int maxInstr = 0;
            int maxHeader = 0;
            for (int i = 0; i < n; i++) {
                maxInstr = Math.max(maxInstr, plan.instructions()[i].length);
                maxHeader = Math.max(maxHeader, plan.headers()[i].length);
            }
            int base = shared + maxInstr;
            int slot = maxHeader + budget;
            for (int i = 0; i < shared; i++) {
                entries.add(new int[] {plan.shared()[i], i, -1, 0, -1});
            }
            int arrival = 0;
            for (int lane = 0; lane < n; lane++) {
                int[] instr = plan.instructions()[lane];
                for (int i = 0; i < instr.length; i++) {
                    entries.add(new int[] {instr[i], shared + i, lane, 1, -1});
                }
                int[] header = plan.headers()[lane];
                for (int h = 0; h < header.length; h++) {
                    int pos = mode != Mode.GROUP_THINK ? shared + instr.length + h
                            : layout == Layout.SLOTTED ? base + lane * slot + h : base + arrival;
                    arrival++;
                    entries.add(new int[] {header[h], pos, lane, 2, -1});
                }
                rows.put(lane + "/prefill", entries.size() - 1);
            }
            for (int k = 0; k < steps; k++) {
                for (int lane = 0; lane < n; lane++) {
                    int h = plan.headers()[lane].length;
                    int pos = mode != Mode.GROUP_THINK ? shared + plan.instructions()[lane].length + h + k
                            : layout == Layout.SLOTTED ? base + lane * slot + h + k : base + arrival;
                    arrival++;
                    rows.put(lane + "/" + k, entries.size());
                    entries.add(new int[] {result.thinkers().get(lane).tokens()[k], pos, lane, 3, k});
                }
            }
            int t = entries.size();
            int[] tokens = new int[t];
            int[] positions = new int[t];
            boolean[][] sees = new boolean[t][t];
            for (int i = 0; i < t; i++) {
                int[] q = entries.get(i);
                tokens[i] = q[0];
                positions[i] = q[1];
                for (int j = 0; j < t; j++) {
                    int[] key = entries.get(j);
                    boolean visible;
                    if (key[3] == 0) {
                        visible = j <= i; // the shared prompt precedes everything
                    } else if (key[2] == q[2]) {
                        visible = j <= i; // own instructions, header, earlier tokens, itself
                    } else if (mode == Mode.GROUP_THINK && q[3] == 3) {
                        visible = key[3] == 2 || (key[3] == 3 && key[4] <= q[4]); // headers; tokens of steps <= mine
                    } else {
                        visible = false;
                    }
                    sees[i][j] = visible;
                }
            }
            return new Dense(tokens, positions, sees, rows);
        }
    }
}
