package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.VisibilityRule;
import io.groupthink.engine.model.RandomModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Logits written into a caller's kept arrays are the logits new arrays get, pass for pass: a
 * prompt of two heap chunks with logits wanted in both, passes of several rows and of one, and
 * one wanting more rows than are kept. The arrays are written again by the next pass, which is
 * why a session whose hook runs later copies its rows.
 */
class LogitBuffersTest {

    private static final long SESSION = 1;
    private static final VisibilityRule CAUSAL = new VisibilityRule(Mode.GROUP_THINK, Integer.MIN_VALUE, false);

    @Test
    void keptArraysHoldWhatNewOnesWouldAndAreWrittenAgain() {
        GroupThinkModel model = TestModels.loadWithKernel(TestModels.random(RandomModel.Spec.tiny("llama")));
        Transformer transformer = model.transformer();
        int promptLength = Transformer.HEAP_ROWS + 6; // two chunks of the heap pass
        int[][] wanted = {
            {3, 10, promptLength - 1}, // two rows in the first chunk, one in the second
            {0, 1, 2, 3}, // several rows
            {0}, // one
            range(LogitBuffers.KEPT_ROWS + 4), // more than are kept
        };
        int[] lengths = {promptLength, 4, 1, LogitBuffers.KEPT_ROWS + 4};
        int capacity = java.util.Arrays.stream(lengths).sum();
        LogitBuffers kept = new LogitBuffers();
        List<float[][]> returned = new ArrayList<>();
        try (KvCache fresh = model.newKvCache(capacity); KvCache reused = model.newKvCache(capacity)) {
            int position = 0;
            for (int p = 0; p < lengths.length; p++) {
                float[][] expected = transformer.forward(batch(position, lengths[p], wanted[p]), fresh);
                float[][] got = transformer.forward(batch(position, lengths[p], wanted[p]), reused, null, kept);
                for (int row : wanted[p]) {
                    assertThat(got[row]).as("pass %d, row %d", p, row).containsExactly(expected[row]);
                }
                returned.add(got);
                position += lengths[p];
            }
        }
        // the one-row pass wrote row 0's array of the pass before: a caller keeping it must copy it
        assertThat(returned.get(2)[0]).isSameAs(returned.get(1)[0]);
        assertThat(returned.get(3)[LogitBuffers.KEPT_ROWS]).as("beyond the kept rows, new arrays")
                .isNotSameAs(returned.get(3)[LogitBuffers.KEPT_ROWS - 1]);
    }

    /** {@code length} tokens of one session from {@code position} on, each seeing the ones before; logits at rows {@code wanted}. */
    private static Batch batch(int position, int length, int[] wanted) {
        Batch b = new Batch().rule(SESSION, CAUSAL);
        for (int i = 0; i < length; i++) {
            int p = position + i;
            int row = i;
            boolean logits = java.util.Arrays.stream(wanted).anyMatch(w -> w == row);
            b.add(3 + p * 7 % 200, p, new Owner(SESSION, Owner.SHARED, Owner.PROMPT, p), logits);
        }
        return b;
    }

    private static int[] range(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }
}
