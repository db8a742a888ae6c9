package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.sampling.SamplingOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GroupThinkBehaviourTest {

    static final PromptTemplate SHORT = DenseReferenceTest.SHORT;
    final GroupThinkModel model = TestModels.load(TestModels.stories());

    @Test
    void groupThinkWithOneThinkerIsPlainGenerationIsGolden() throws IOException {
        JsonNode c = new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile()).get("cases").get(0);
        int[] prompt = ints(c.get("prompt_ids"));
        GroupThinkRequest one = GroupThinkRequest.builder("golden").thinkers(1).maxTokens(64).mode(Mode.GROUP_THINK).build();
        GroupThinkResult group = model.run(List.of(model.newSession(one, PromptPlan.plain(prompt), null, null))).get(0);
        GroupThinkResult plain = model.run(List.of(model.newPlainSession(prompt, 64, SamplingOptions.GREEDY, List.of(), 0,
                null, null))).get(0);
        assertThat(group.thinkers().get(0).tokens()).containsExactly(plain.thinkers().get(0).tokens());
        assertThat(group.thinkers().get(0).tokens()).containsExactly(ints(c.get("generated_ids")));
    }

    @Test
    void independentThinkersAreSeparatePlainGenerations() {
        GroupThinkRequest request = GroupThinkRequest.builder("Lily saw a cat.").thinkers(4).maxTokens(40)
                .mode(Mode.INDEPENDENT).template(SHORT).build();
        GroupThinkSession session = model.newSession(request, null, null);
        GroupThinkResult result = model.run(List.of(session)).get(0);
        PromptPlan plan = session.plan();
        for (int n = 0; n < 4; n++) {
            int[] own = concat(plan.shared(), plan.instructions()[n], plan.headers()[n]);
            GroupThinkResult alone = model.run(List.of(model.newPlainSession(own, 40, SamplingOptions.GREEDY, List.of(),
                    0, null, null))).get(0);
            assertThat(result.thinkers().get(n).tokens()).as("thinker %d", n + 1)
                    .containsExactly(alone.thinkers().get(0).tokens());
        }
        // each thinker ran its own prompt (its id differs), not a copy of thinker 1's
        assertThat(plan.instructions()[0]).isNotEqualTo(plan.instructions()[1]);
    }

    @Test
    void informationFlowsBetweenThinkersOnlyInGroupThink() {
        for (Mode mode : List.of(Mode.GROUP_THINK, Mode.INDEPENDENT)) {
            float[] a = thinker1LogitsAfterForcing(mode, 300);
            float[] b = thinker1LogitsAfterForcing(mode, 400);
            double delta = 0;
            for (int i = 0; i < a.length; i++) {
                delta = Math.max(delta, Math.abs(a[i] - b[i]));
            }
            if (mode == Mode.GROUP_THINK) {
                assertThat(delta).as("GROUP_THINK: thinker 1 sees thinker 2's step-3 token").isGreaterThan(1e-3);
            } else {
                assertThat(delta).as("INDEPENDENT: thinker 1 never sees thinker 2").isEqualTo(0.0);
            }
        }
    }

    /** Forces thinker 2's token at step 3 and returns thinker 1's logits for its token 4. */
    private float[] thinker1LogitsAfterForcing(Mode mode, int forced) {
        float[][] captured = new float[1][];
        StepHook hook = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                if (lane == 0 && index == 4) {
                    captured[0] = l.clone();
                }
            }

            @Override
            public int override(int lane, int index, int sampled) {
                if (lane == 1 && index == 3) {
                    return forced;
                }
                return model.stopIds().contains(sampled) ? 7 : sampled;
            }
        };
        model.think(GroupThinkRequest.builder("A dog ran.").thinkers(2).maxTokens(8).mode(mode).template(SHORT).build(),
                null, hook);
        return captured[0];
    }

    @Test
    void aFinishedThinkerLeavesTheBatch() {
        StepHook hook = new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                if (lane == 0 && index == 2) {
                    return 2; // EOS: thinker 1 stops after two tokens
                }
                if (lane == 1 && index == 5) {
                    return 2; // thinker 2 after five
                }
                return model.stopIds().contains(sampled) ? 9 : sampled;
            }
        };
        GroupThinkResult r = model.think(GroupThinkRequest.builder("Sam ate a pie.").thinkers(3).maxTokens(10)
                .template(SHORT).build(), null, hook);
        assertThat(r.thinkers().get(0).tokens()).hasSize(2);
        assertThat(r.thinkers().get(0).finishReason()).isEqualTo(FinishReason.EOS);
        assertThat(r.thinkers().get(1).tokens()).hasSize(5);
        assertThat(r.thinkers().get(2).tokens()).hasSize(10);
        assertThat(r.thinkers().get(2).finishReason()).isEqualTo(FinishReason.LENGTH);
        // steps 0,1 feed 3 rows; from step 2 thinker 1 is gone; from step 5 thinker 2 too
        assertThat(r.batchRows()).startsWith(3, 3, 2, 2, 2, 1, 1, 1, 1);
        assertThat(r.batchRows().subList(2, r.batchRows().size())).allMatch(rows -> rows < 3);
        assertThat(r.decodeSteps()).isEqualTo(r.batchRows().size());
    }

    /**
     * On the kernel, the pass hands each lane its logits' argmax; a stop token masked while the
     * lane is under minTokens must not be taken from it.
     */
    @ParameterizedTest(name = "kernel {0}")
    @ValueSource(booleans = {false, true})
    void minTokensKeepsALanePastItsStopTokenAndChangesNothingBefore(boolean kernel) {
        GroupThinkModel model = TestModels.load(TestModels.stories(), kernel);
        GroupThinkRequest free = GroupThinkRequest.builder("Tom had a red ball.").thinkers(1).mode(Mode.COT).maxTokens(300)
                .build(); // the default template: this story ends after about 170 tokens
        GroupThinkResult.ThinkerResult ended = model.think(free).thinkers().get(0);
        assertThat(ended.finishReason()).as("the story ends on its own").isEqualTo(FinishReason.EOS);
        int k = ended.tokens().length;
        GroupThinkResult.ThinkerResult held = model.think(free.toBuilder().maxTokens(k + 20).minTokens(k + 20).build())
                .thinkers().get(0);
        assertThat(held.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(held.tokens()).hasSize(k + 20).startsWith(ended.tokens());
        // a stop string in the first minTokens - 1 tokens does not count; the first one after does, and the text
        // is cut there
        String first = ended.text().substring(0, ended.text().indexOf('.') + 1);
        GroupThinkResult.ThinkerResult stopped = model.think(free.toBuilder().stopStrings(List.of(".")).build())
                .thinkers().get(0);
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.text()).isEqualTo(first.substring(0, first.length() - 1));
        int past = stopped.tokens().length + 1;
        GroupThinkResult.ThinkerResult later = model.think(free.toBuilder().stopStrings(List.of(".")).minTokens(past)
                .build()).thinkers().get(0);
        assertThat(later.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(later.tokens().length).isGreaterThanOrEqualTo(past).isLessThan(k);
        assertThat(later.text()).startsWith(first).doesNotEndWith(".");
        assertThat(ended.text()).startsWith(later.text() + ".");
        assertThatThrownBy(() -> model.think(free.toBuilder().minTokens(301).build()))
                .hasMessageContaining("minTokens must be between 0 and maxTokens (300), got 301");
    }

    /**
     * The engine writes each pass's logits into the same arrays, and a hook runs after the pass
     * (and the next ones) on another thread: what it was handed must stay the step's own. Every
     * array a greedy session's hook kept, untouched, still has that step's token as its largest.
     */
    @Test
    void aHookMayKeepTheLogitsItWasHanded() {
        GroupThinkModel model = TestModels.loadWithKernel(TestModels.stories());
        Map<Integer, float[]> seen = new HashMap<>();
        StepHook keep = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                seen.put(index, l); // no copy
            }
        };
        GroupThinkResult r = model.run(List.of(model.newPlainSession("Once upon a time", 16, SamplingOptions.GREEDY,
                List.of(), 0, null, keep))).get(0);
        int[] tokens = r.thinkers().get(0).tokens();
        assertThat(tokens.length).isGreaterThan(4);
        assertThat(Arrays.stream(tokens).distinct().count()).as("a story, not one token again and again").isGreaterThan(2);
        for (int i = 0; i < tokens.length; i++) {
            assertThat(io.groupthink.engine.sampling.Sampler.argmax(seen.get(i))).as("step %d", i).isEqualTo(tokens[i]);
        }
    }

    @Test
    void eventsStreamEachThinkersTextInOrder() {
        Map<Integer, StringBuilder> streamed = new HashMap<>();
        Map<Integer, List<Integer>> steps = new HashMap<>();
        SessionListener listener = new SessionListener() {
            @Override
            public void onToken(ThinkerEvent e) {
                streamed.computeIfAbsent(e.lane(), k -> new StringBuilder()).append(e.text());
                steps.computeIfAbsent(e.lane(), k -> new ArrayList<>()).add(e.step());
            }
        };
        GroupThinkResult r = model.think(GroupThinkRequest.builder("Ben had a kite.").thinkers(3).maxTokens(24)
                .template(SHORT).synthesize(true).synthesisTokens(16).build(), listener, null);
        for (GroupThinkResult.ThinkerResult t : r.thinkers()) {
            assertThat(streamed.get(t.lane()).toString()).isEqualTo(t.text());
            assertThat(steps.get(t.lane())).isSorted().startsWith(0);
            assertThat(t.label()).isEqualTo("F" + (t.lane() + 1) + ":");
        }
        assertThat(r.finalAnswer()).isNotNull().isEqualTo(streamed.get(3).toString());
        assertThat(r.synthesis().tokens()).isNotEmpty();
        // unwatched, a session decodes its text once at the end, to the same text
        GroupThinkResult quiet = model.think(GroupThinkRequest.builder("Ben had a kite.").thinkers(3).maxTokens(24)
                .template(SHORT).synthesize(true).synthesisTokens(16).build());
        for (GroupThinkResult.ThinkerResult t : quiet.thinkers()) {
            assertThat(t.text()).as("lane %d", t.lane()).isEqualTo(streamed.get(t.lane()).toString());
        }
        assertThat(quiet.finalAnswer()).isEqualTo(r.finalAnswer());
        assertThat(r.kvBytes()).isPositive();
        assertThat(r.stepMillis()).hasSize(r.decodeSteps() + 1);
    }

    @Test
    void stopStringsEndALaneAndAreCutFromItsText() {
        GroupThinkResult free = model.think(GroupThinkRequest.builder("Mia went out.").thinkers(2).maxTokens(48)
                .template(SHORT).build());
        String text = free.thinkers().get(0).text();
        assertThat(text.length()).isGreaterThan(12);
        String stop = text.substring(8, 11);
        GroupThinkResult stopped = model.think(GroupThinkRequest.builder("Mia went out.").thinkers(2).maxTokens(48)
                .template(SHORT).stopStrings(List.of(stop)).build());
        assertThat(stopped.thinkers().get(0).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.thinkers().get(0).text()).isEqualTo(text.substring(0, text.indexOf(stop)));
        // streamed, the same stop, and the deltas (decoded where they are delivered) spell it out
        StringBuilder streamed = new StringBuilder();
        GroupThinkResult watched = model.think(GroupThinkRequest.builder("Mia went out.").thinkers(2).maxTokens(48)
                .template(SHORT).stopStrings(List.of(stop)).build(), new SessionListener() {
                    @Override
                    public void onToken(ThinkerEvent e) {
                        if (e.lane() == 0) {
                            streamed.append(e.text());
                        }
                    }
                }, null);
        assertThat(watched.thinkers().get(0).text()).isEqualTo(stopped.thinkers().get(0).text());
        assertThat(streamed.toString()).startsWith(text.substring(0, text.indexOf(stop) + stop.length()));
    }

    @Test
    void sampledThinkersDivergeAndAreReproducible() {
        GroupThinkRequest request = GroupThinkRequest.builder("Once upon a time").thinkers(3).maxTokens(30)
                .mode(Mode.INDEPENDENT).template(PromptTemplate.DEFAULT.withUser("{question}").withHeader(""))
                .sampling(SamplingOptions.sampled(1.0, 0.95, 1234)).build();
        GroupThinkResult a = model.think(request);
        GroupThinkResult b = model.think(request);
        for (int n = 0; n < 3; n++) {
            assertThat(a.thinkers().get(n).tokens()).containsExactly(b.thinkers().get(n).tokens());
        }
        assertThat(a.thinkers().get(0).tokens()).isNotEqualTo(a.thinkers().get(1).tokens());
    }

    @Test
    void noNdArraysLeakAcrossFiftySessions() {
        GroupThinkRequest request = GroupThinkRequest.builder("Ann and Bob").thinkers(4).maxTokens(12).template(SHORT)
                .synthesize(true).synthesisTokens(4).build();
        model.think(request); // warm-up
        int before = model.liveArrays();
        for (int i = 0; i < 50; i++) {
            model.think(request);
        }
        assertThat(model.liveArrays()).isEqualTo(before);
    }

    @Test
    void badOptionsGetClearErrors() {
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").thinkers(0).build()))
                .hasMessageContaining("thinkers must be between 1 and 16, got 0");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").thinkers(17).build()))
                .hasMessageContaining("thinkers must be between 1 and 16, got 17");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").maxTokens(0).build()))
                .hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").maxTokens(-5).build()))
                .hasMessageContaining("must be positive, got -5");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").thinkers(2).mode(Mode.COT).build()))
                .hasMessageContaining("cot runs exactly 1 thinker");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("  ").build()))
                .hasMessageContaining("question must not be empty");
        String longQuestion = "Tom ran to the park. ".repeat(100);
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder(longQuestion).thinkers(4).maxTokens(64).build()))
                .hasMessageContaining("needs").hasMessageContaining("the model's context is 512");
        assertThatThrownBy(() -> Layout.parse("diagonal")).hasMessageContaining("unknown layout 'diagonal'");
        assertThatThrownBy(() -> Mode.parse("swarm")).hasMessageContaining("unknown mode 'swarm'");
        assertThatThrownBy(() -> SamplingOptions.sampled(Double.NaN, 0.9, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> SamplingOptions.sampled(1, 1.5, 1)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> model.think(GroupThinkRequest.builder("q").stopStrings(List.of("")).build()))
                .hasMessageContaining("stop strings must not be empty");
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static int[] concat(int[]... parts) {
        int[] out = new int[0];
        for (int[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }
}
