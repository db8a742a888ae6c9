package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.ReferenceLlama;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.runtime.Owner;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SchedulerOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A session's trace and its visibility rule are enough to recompute every logit it sampled from:
 * the plain-Java reference runs over the traced tokens and positions with the mask the rule
 * allows between passes, and matches what the engine's hook saw.
 */
class TraceReferenceTest {

    @ParameterizedTest(name = "{0} {1} N={2} synthesis={3} prompt chunk={4}")
    @CsvSource({"GROUP_THINK, SLOTTED, 3, false, 4096", "GROUP_THINK, INTERLEAVED, 2, true, 7",
            "INDEPENDENT, SLOTTED, 2, false, 5"})
    void everySampledLogitIsRecomputedFromTheTraceAlone(Mode mode, Layout layout, int n, boolean synthesize,
            int promptChunk) {
        GroupThinkModel model = TestModels.load(TestModels.stories()); // shared: not closed here
        try (Scheduler engine = new Scheduler(model, new SchedulerOptions(4096, 4, Duration.ofSeconds(30),
                        promptChunk), null)) {
            GroupThinkRequest request = GroupThinkRequest.builder("Tom had a red ball.").thinkers(n).maxTokens(12)
                    .mode(mode).layout(layout).synthesize(synthesize).synthesisTokens(6)
                    .template(DenseReferenceTest.SHORT).build();
            Map<String, float[]> seen = new HashMap<>();
            StepHook hook = DenseReferenceTest.recording(model, seen);
            GroupThinkSession session = model.newSession(request, null, hook).traced();
            engine.submit(session).await();
            List<StoredToken> trace = session.trace();
            assertThat(trace).hasSize(session.tokensStored());
            if (promptChunk < 100) {
                assertThat(trace.stream().filter(t -> t.owner().isSharedPrompt()).mapToInt(StoredToken::pass).max()
                        .orElseThrow()).as("the prompt came in several passes").isPositive();
            }

            int t = trace.size();
            int[] tokens = new int[t];
            int[] positions = new int[t];
            boolean[][] sees = new boolean[t][t];
            VisibilityRule rule = session.rule();
            for (int q = 0; q < t; q++) {
                tokens[q] = trace.get(q).id();
                positions[q] = trace.get(q).position();
                for (int k = 0; k < t; k++) {
                    sees[q][k] = trace.get(k).pass() <= trace.get(q).pass()
                            && rule.sees(trace.get(q).owner(), trace.get(k).owner());
                }
            }
            float[][] reference = new ReferenceLlama(TestModels.stories()).forward(tokens, positions, sees);

            double maxDelta = 0;
            for (Map.Entry<String, float[]> e : seen.entrySet()) {
                int lane = Integer.parseInt(e.getKey().split("/")[0]);
                int index = Integer.parseInt(e.getKey().split("/")[1]);
                float[] ref = reference[queryRow(trace, lane, index)];
                for (int v = 0; v < ref.length; v++) {
                    maxDelta = Math.max(maxDelta, Math.abs(ref[v] - e.getValue()[v]));
                }
            }
            assertThat(seen).hasSizeGreaterThanOrEqualTo(n * 12);
            assertThat(maxDelta).isLessThanOrEqualTo(1e-4);
        }
    }

    /**
     * The row whose logits chose lane's token {@code index}: the lane's token of step index - 1, or
     * for the first token the lane's last prompt token (instructions, header), else the shared prompt's last.
     */
    static int queryRow(List<StoredToken> trace, int lane, int index) {
        int row = -1;
        int lastShared = -1;
        for (int i = 0; i < trace.size(); i++) {
            Owner o = trace.get(i).owner();
            if (o.isSharedPrompt()) {
                lastShared = i;
            } else if (o.lane() == lane && (index == 0 ? !o.isGenerated() : o.step() == index - 1)) {
                row = i;
            }
        }
        return row >= 0 ? row : lastShared;
    }
}
