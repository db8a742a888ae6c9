package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.ReferenceLlama;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SchedulerOptions;
import io.groupthink.engine.scheduler.SessionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sessions in rounds (InftyThink): bounded K/V, equivalence to a fresh session, sharing the engine, bad options. */
class RoundSessionTest {

    static final String QUESTION = "Tom had a red ball.";

    static GroupThinkModel model() {
        return TestModels.load(TestModels.stories());
    }

    static GroupThinkRequest request(int n, Layout layout) {
        return GroupThinkRequest.builder(QUESTION).thinkers(n).layout(layout).template(DenseReferenceTest.SHORT)
                .build();
    }

    /** Lanes never stop on EOS, so every budget is used in full: the bound is met at its worst. */
    static StepHook fullBudget(GroupThinkModel model, Map<String, float[]> logits, String prefix) {
        return new StepHook() {
            @Override
            public void logits(int lane, int index, float[] l) {
                if (logits != null) {
                    logits.put(prefix + lane + "/" + index, l.clone());
                }
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return model.stopIds().contains(sampled) ? 5 + lane + index : sampled;
            }
        };
    }

    static RoundSession.Hooks fullBudget(GroupThinkModel model, Map<String, float[]> logits) {
        return new RoundSession.Hooks() {
            @Override
            public StepHook segment(int round) {
                return fullBudget(model, logits, round + "/");
            }

            @Override
            public StepHook summary(int round) {
                return fullBudget(model, null, "");
            }
        };
    }

    @Test
    void twentyRoundsAtFourThinkersStayWithinOneRoundsKv() {
        GroupThinkModel model = model();
        RoundOptions options = RoundOptions.of(20, 12, 10, 3).withFinalMarker(null);
        Scheduler scheduler = model.scheduler();
        List<Integer> atBoundary = new CopyOnWriteArrayList<>();
        AtomicInteger observed = new AtomicInteger();
        List<String> events = new CopyOnWriteArrayList<>();
        RoundSession.Hooks full = fullBudget(model, null);
        RoundSession.Hooks sampling = new RoundSession.Hooks() {
            @Override
            public StepHook segment(int round) {
                StepHook h = full.segment(round);
                return new StepHook() {
                    @Override
                    public void logits(int lane, int index, float[] l) { // engine thread: the last step's K/V in use
                        observed.accumulateAndGet(scheduler.stats().kvTokensInUse(), Math::max);
                    }

                    @Override
                    public int override(int lane, int index, int sampled) {
                        return h.override(lane, index, sampled);
                    }
                };
            }

            @Override
            public StepHook summary(int round) {
                return full.summary(round);
            }
        };
        RoundListener listener = new RoundListener() {
            @Override
            public void onRoundStart(int round, String question) {
                atBoundary.add(scheduler.stats().kvTokensInUse());
                events.add("start " + round);
            }

            @Override
            public void onSummary(int round, String summary) {
                events.add("summary " + round);
            }

            @Override
            public void onRoundEnd(RoundsResult.Round round) {
                events.add("end " + round.index());
            }
        };
        RoundSession session = new RoundSession(model, request(4, Layout.SLOTTED), options, listener, sampling);
        RoundsResult result = session.start().await();

        int bound = session.bound();
        assertThat(result.kvBound()).isEqualTo(bound);
        assertThat(result.rounds()).hasSize(20);
        assertThat(result.markerReached()).isFalse();
        for (RoundsResult.Round r : result.rounds()) {
            assertThat(r.segments()).allSatisfy(t -> assertThat(t.tokens()).hasSize(12));
            assertThat(r.summaries().get(0).tokens()).hasSize(10);
            assertThat(r.kvTokens()).as("round %d's K/V", r.index()).isPositive().isLessThanOrEqualTo(bound);
            if (r.index() > 1) {
                assertThat(Arrays.stream(r.carried()).mapToInt(c -> c.length)).containsOnly(3);
            }
        }
        // A plain session of the same length would hold every token: far more than one round.
        assertThat(result.generatedTokens()).isGreaterThan(2 * bound);
        assertThat(observed.get()).as("K/V in use seen from the engine thread").isPositive()
                .isLessThanOrEqualTo(bound);
        assertThat(atBoundary).hasSize(20).allSatisfy(used -> assertThat(used).isLessThanOrEqualTo(bound));
        assertThat(atBoundary.subList(1, 20)).as("the previous round's K/V is released at each boundary")
                .containsOnly(0);
        List<String> expected = new ArrayList<>();
        for (int r = 1; r <= 20; r++) {
            expected.addAll(List.of("start " + r, "summary " + r, "end " + r));
        }
        assertThat(events).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> equivalence() {
        List<Arguments> out = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (int n : new int[] {1, 2, 4}) {
                out.add(Arguments.of(layout, n));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} N={1}")
    @MethodSource("equivalence")
    void nextRoundStartsExactlyAsAFreshSessionOnQuestionSummaryAndCarry(Layout layout, int n) {
        GroupThinkModel model = model();
        int s = 8;
        int m = 3;
        Map<String, float[]> logits = new ConcurrentHashMap<>();
        RoundOptions options = RoundOptions.of(3, s, 8, m).withFinalMarker(null);
        RoundsResult result = new RoundSession(model, request(n, layout), options, null, fullBudget(model, logits))
                .start().await();
        assertThat(result.rounds()).hasSize(3);
        ReferenceLlama reference = new ReferenceLlama(TestModels.stories());
        double maxDelta = 0;
        int compared = 0;
        for (int r = 1; r < 3; r++) {
            RoundsResult.Round before = result.rounds().get(r - 1);
            RoundsResult.Round after = result.rounds().get(r);
            // The fresh session, built here from the question, the summary and the carried tokens.
            String question = RoundPrompts.DEFAULT.fill(RoundPrompts.DEFAULT.continuation(), QUESTION,
                    before.summary(), null);
            assertThat(after.question()).isEqualTo(question).contains(before.summary());
            PromptPlan fresh = PromptPlan.build(model.tokenizer(), model.chatTemplate(), DenseReferenceTest.SHORT,
                    question, Mode.GROUP_THINK, n, List.of(), false);
            int[][] headers = new int[n][];
            for (int lane = 0; lane < n; lane++) {
                int[] made = before.segments().get(lane).tokens();
                int[] carried = Arrays.copyOfRange(made, made.length - m, made.length);
                assertThat(after.carried()[lane]).containsExactly(carried);
                int[] h = fresh.headers()[lane];
                headers[lane] = Arrays.copyOf(h, h.length + m);
                System.arraycopy(carried, 0, headers[lane], h.length, m);
            }
            fresh = new PromptPlan(fresh.shared(), fresh.instructions(), headers, new int[0]);
            DenseReferenceTest.Dense dense = DenseReferenceTest.Dense.build(fresh, null, Mode.GROUP_THINK, layout, s, 0);
            float[][] want = reference.forward(dense.tokens(), dense.positions(), dense.sees());
            for (int lane = 0; lane < n; lane++) {
                float[] got = logits.get((r + 1) + "/" + lane + "/0");
                float[] ref = want[dense.sourceRow(lane, 0)];
                assertThat(got).hasSameSizeAs(ref);
                for (int v = 0; v < ref.length; v++) {
                    maxDelta = Math.max(maxDelta, Math.abs(got[v] - ref[v]));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(2 * n);
        assertThat(maxDelta).as("max |logit delta| over %d first steps", compared).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void anotherSessionIsAdmittedIntoTheSlotsARoundReleasesAndBothMatchTheirSoloRuns() {
        GroupThinkModel model = model();
        RoundOptions options = RoundOptions.of(3, 8, 8, 2).withFinalMarker(null);
        GroupThinkRequest request = request(2, Layout.SLOTTED);
        RoundsResult solo = new RoundSession(model, request, options, null, null).start().await();
        int bound = solo.kvBound();
        int[] prompt = model.tokenizer().encode("Once upon a time", true);
        int plainBudget = bound - prompt.length; // needs the whole engine: it fits only while the rounds hold nothing
        GroupThinkResult plainSolo = model.run(List.of(model.newPlainSession(prompt, plainBudget, null, List.of(), 0,
                null, null))).get(0);

        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(bound, 16, Duration.ofSeconds(60), 4096),
                null)) {
            AtomicBoolean plainDoneInRound1 = new AtomicBoolean();
            SessionHandle[] plain = new SessionHandle[1];
            RoundSession rounds = new RoundSession(model, request, options, new RoundListener() {
                @Override
                public void onRoundEnd(RoundsResult.Round round) {
                    if (round.index() == 1) {
                        plainDoneInRound1.set(plain[0].result().isDone());
                    }
                }
            }, null);
            rounds.start();
            plain[0] = scheduler.submit(model.newPlainSession(prompt, plainBudget, null, List.of(), 0, null, null));
            RoundsResult shared = rounds.await();
            GroupThinkResult plainShared = plain[0].await();

            assertThat(plainDoneInRound1).as("admitted when round 1's segment released its slots").isTrue();
            assertThat(plainShared.thinkers().get(0).tokens()).containsExactly(plainSolo.thinkers().get(0).tokens());
            assertThat(shared.rounds()).hasSameSizeAs(solo.rounds());
            for (int r = 0; r < solo.rounds().size(); r++) {
                RoundsResult.Round a = solo.rounds().get(r);
                RoundsResult.Round b = shared.rounds().get(r);
                for (int lane = 0; lane < 2; lane++) {
                    assertThat(b.segments().get(lane).tokens()).containsExactly(a.segments().get(lane).tokens());
                }
                assertThat(b.summary()).isEqualTo(a.summary());
            }
            assertThat(scheduler.stats().kvTokensInUse()).isZero();
        }
    }

    @Test
    void aMarkerEndsTheSessionAfterItsRoundAndTheFinalAnswerLaneRuns() {
        GroupThinkModel model = model();
        GroupThinkRequest request = request(2, Layout.SLOTTED).toBuilder().synthesize(true).synthesisTokens(6).build();
        RoundsResult first = new RoundSession(model, request, RoundOptions.of(1, 8, 8, 0).withFinalMarker(null), null,
                null).start().await();
        String said = first.rounds().get(0).segments().get(1).text();
        assertThat(said).hasSizeGreaterThan(4);
        String marker = said.substring(0, 4);
        List<String> finals = new CopyOnWriteArrayList<>();
        RoundsResult result = new RoundSession(model, request, RoundOptions.of(5, 8, 8, 0).withFinalMarker(marker),
                new RoundListener() {
                    @Override
                    public void onFinalToken(ThinkerEvent event) {
                        finals.add(event.text());
                    }
                }, null).start().await();
        assertThat(result.markerReached()).isTrue();
        assertThat(result.rounds()).hasSize(1);
        assertThat(result.finalLane()).isNotNull();
        assertThat(result.finalLane().tokens()).isNotEmpty();
        assertThat(String.join("", finals)).isEqualTo(result.finalAnswer());
        assertThat(first.finalAnswer()).isEqualTo(result.finalAnswer()); // same last summary, same answer
    }

    @Test
    void oneSummaryPerThinkerInCotAndIndependentModes() {
        GroupThinkModel model = model();
        RoundOptions perThinker = RoundOptions.of(2, 6, 5, 2).withFinalMarker(null).withSummaryPerThinker(true);
        GroupThinkRequest independent = request(3, Layout.SLOTTED).toBuilder().mode(Mode.INDEPENDENT).build();
        RoundSession session = new RoundSession(model, independent, perThinker, null, fullBudget(model, null));
        RoundsResult result = session.start().await();
        assertThat(result.rounds()).hasSize(2);
        for (RoundsResult.Round r : result.rounds()) {
            assertThat(r.summaries()).hasSize(3).allSatisfy(t -> assertThat(t.tokens()).hasSize(5));
            assertThat(r.summary()).startsWith("Thinker1: ").contains("\nThinker2: ", "\nThinker3: ");
            assertThat(r.kvTokens()).isLessThanOrEqualTo(session.bound());
        }
        assertThat(result.rounds().get(1).question()).contains(result.rounds().get(0).summary());

        GroupThinkRequest cot = request(1, Layout.SLOTTED).toBuilder().mode(Mode.COT).build();
        RoundsResult single = new RoundSession(model, cot, RoundOptions.of(3, 6, 5, 6).withFinalMarker(null), null,
                fullBudget(model, null)).start().await();
        assertThat(single.rounds()).hasSize(3);
        assertThat(single.rounds().get(2).carried()[0]).containsExactly(single.rounds().get(1).segments().get(0)
                .tokens());
    }

    @Test
    void aRoundEndsEarlyWhenEveryThinkerStops() {
        GroupThinkModel model = model();
        int eos = model.config().eosTokenIds().get(0);
        RoundSession.Hooks stopEarly = new RoundSession.Hooks() {
            @Override
            public StepHook segment(int round) {
                return new StepHook() {
                    @Override
                    public int override(int lane, int index, int sampled) {
                        return index == 2 + lane ? eos : sampled; // thinker n stops after n + 2 tokens
                    }
                };
            }
        };
        RoundsResult result = new RoundSession(model, request(2, Layout.SLOTTED),
                RoundOptions.of(2, 40, 8, 0).withFinalMarker(null), null, stopEarly).start().await();
        assertThat(result.rounds()).hasSize(2);
        for (RoundsResult.Round r : result.rounds()) {
            assertThat(r.segments()).allSatisfy(t -> assertThat(t.finishReason()).isEqualTo(FinishReason.EOS));
            assertThat(r.segments().get(1).tokens()).hasSize(3);
            assertThat(r.decodeSteps()).as("steps of a round whose thinkers stopped after 2 and 3 tokens")
                    .isLessThanOrEqualTo(4);
        }
    }

    @Test
    void aListenerThatThrowsFailsItsOwnSessionOnly() {
        GroupThinkModel model = model();
        RoundOptions options = RoundOptions.of(3, 6, 6, 0).withFinalMarker(null);
        RoundSession healthy = new RoundSession(model, request(2, Layout.SLOTTED), options, null, null);
        RoundSession broken = new RoundSession(model, request(2, Layout.SLOTTED), options, new RoundListener() {
            @Override
            public void onSummary(int round, String summary) {
                throw new IllegalStateException("listener broke");
            }
        }, null);
        broken.start();
        healthy.start();
        assertThatThrownBy(broken::await).hasMessageContaining("listener broke");
        assertThat(healthy.await().rounds()).hasSize(3);
    }

    @Test
    void aCancelEndsTheRoundsAndFreesTheirKv() throws Exception {
        GroupThinkModel model = model();
        java.util.concurrent.CountDownLatch round2 = new java.util.concurrent.CountDownLatch(1);
        RoundSession session = new RoundSession(model, request(2, Layout.SLOTTED),
                RoundOptions.of(50, 8, 8, 0).withFinalMarker(null), new RoundListener() {
                    @Override
                    public void onRoundStart(int round, String question) {
                        if (round == 2) {
                            round2.countDown();
                        }
                    }
                }, fullBudget(model, null));
        session.start();
        assertThat(round2.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        session.cancel();
        assertThatThrownBy(session::await).isInstanceOf(java.util.concurrent.CancellationException.class)
                .hasMessageContaining("cancelled");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (model.scheduler().stats().kvTokensInUse() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(model.scheduler().stats().kvTokensInUse()).isZero();
        assertThatThrownBy(new RoundSession(model, request(2, Layout.SLOTTED), RoundOptions.of(2, 4, 4, 0),
                new RoundListener() {
                    @Override
                    public void onRoundStart(int round, String question) {
                        throw new IllegalStateException("start listener broke");
                    }
                }, null).start()::await).hasMessageContaining("start listener broke");
    }

    @Test
    void badOptionsGetClearErrors() {
        GroupThinkModel model = model();
        GroupThinkRequest request = request(4, Layout.SLOTTED);
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 0, 8, 0), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segment tokens (S)");
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 8, 0, 0), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("summary tokens (M)");
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(0, 8, 8, 0), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rounds (R)");
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 8, 8, 9), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("carry tokens (m)")
                .hasMessageContaining("got 9");
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 8, 8, -1), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("carry tokens (m)");
        assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 120, 8, 0), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a round needs up to")
                .hasMessageContaining("the model's context is 512");
        try (Scheduler small = new Scheduler(model, new SchedulerOptions(100, 16, Duration.ofSeconds(60), 4096),
                null)) {
            assertThatThrownBy(() -> new RoundSession(model, request, RoundOptions.of(3, 8, 8, 0), null, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KV budget is 100 tokens");
        }
    }
}
