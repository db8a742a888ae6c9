package io.groupthink.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.StepHook;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Phases laid end to end: round 1's segment (2 thinkers, 3 steps), its summary (2 steps), round 2's segment (2). */
class TimelineTest {

    @Test
    void phasesFollowEachOtherOnOneStepAxis() {
        List<Integer> heard = new ArrayList<>();
        Timeline t = new Timeline(2, heard::add);
        AtomicInteger slots = new AtomicInteger();
        StepHook segment1 = t.probe(1, slots::get);
        StepHook summary1 = t.probe(2, slots::get);
        StepHook segment2 = t.probe(3, slots::get);
        for (int i = 0; i < 3; i++) {
            slots.set(10 + 2 * i); // as published after the pass that produced token index i
            segment1.logits(0, i, null);
            segment1.logits(1, i, null);
            t.token(1, 0, i, "a" + i);
            t.token(1, 1, i, "b" + i);
        }
        for (int i = 0; i < 2; i++) {
            slots.set(20 + i);
            summary1.logits(0, i, null);
            t.token(2, 2, i, "s" + i);
        }
        for (int i = 0; i < 2; i++) {
            slots.set(15 + i);
            segment2.logits(0, i, null);
            t.token(3, 0, i, "c" + i);
            t.token(3, 1, i, "d" + i);
        }

        assertThat(t.steps()).isEqualTo(7);
        assertThat(heard).containsExactly(1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7);
        assertThat(t.textsAt(0)).containsExactly("", "", "");
        assertThat(t.textsAt(3)).containsExactly("a0a1a2", "b0b1b2", "");
        assertThat(t.textsAt(4)).containsExactly("a0a1a2", "b0b1b2", "s0");
        // a thinker's next round starts on its own line; the line break comes with its first token
        assertThat(t.textsAt(5)).containsExactly("a0a1a2", "b0b1b2", "s0s1");
        assertThat(t.textsAt(6)).containsExactly("a0a1a2\nc0", "b0b1b2\nd0", "s0s1");
        assertThat(t.thinkerTexts()).containsExactly("a0a1a2\nc0c1", "b0b1b2\nd0d1");
        assertThat(t.summaryTexts()).containsExactly("s0s1");
        // every lane's tokens count, the summary's too
        assertThat(t.tokensAt(3)).isEqualTo(6);
        assertThat(t.tokensAt(5)).isEqualTo(8);
        assertThat(t.tokensAt(7)).isEqualTo(12);
        // the reading at a phase's token index i is the state after its step offset + i + 1
        assertThat(t.kvSlots()).containsExactly(0, 10, 12, 14, 20, 21, 15, 16);
    }

    @Test
    void aSummaryLaneOfItsOwnRoundsIsJoinedLineByLine() {
        Timeline t = new Timeline(1, null);
        t.token(1, 0, 0, "x");
        t.token(2, 1, 0, "first");
        t.token(3, 0, 0, "y");
        t.token(4, 1, 0, "second");
        assertThat(t.thinkerTexts()).containsExactly("x\ny");
        assertThat(t.summaryTexts()).containsExactly("first\nsecond");
        assertThat(t.steps()).isEqualTo(4);
    }
}
