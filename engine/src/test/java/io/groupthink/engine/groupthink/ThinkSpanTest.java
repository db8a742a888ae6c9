package io.groupthink.engine.groupthink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThinkSpanTest {

    @Test
    void modelOpenedSpan() {
        String t = "<think>\nAdd 2 and 2.\n</think>\n\nIt is 4.";
        ThinkSpan s = ThinkSpan.find(t);
        assertThat(s.reasoning(t)).isEqualTo("Add 2 and 2.");
        assertThat(s.answer(t)).isEqualTo("It is 4.");
        assertThat(s.open(t)).isFalse();
    }

    @Test
    void templateOpenedSpanHasOnlyTheClosingTag() {
        String t = "Add 2 and 2.\n</think>\n\n{\"answer\": 4}";
        assertThat(ThinkSpan.visible(t)).isEqualTo("{\"answer\": 4}");
        assertThat(ThinkSpan.find(t).reasoning(t)).isEqualTo("Add 2 and 2.");
    }

    @Test
    void stillThinkingHasNoVisibleTextYet() {
        String t = "<think>\nHmm, 2 and";
        ThinkSpan s = ThinkSpan.find(t);
        assertThat(s.open(t)).isTrue();
        assertThat(s.answer(t)).isEmpty();
        assertThat(s.reasoning(t)).isEqualTo("Hmm, 2 and");
    }

    @Test
    void textWithoutTagsIsAllAnswer() {
        assertThat(ThinkSpan.visible("Just 4.")).isEqualTo("Just 4.");
        assertThat(ThinkSpan.find("Just 4.").present()).isFalse();
        assertThat(ThinkSpan.visible(null)).isNull();
        // an empty span, as Qwen3 writes with enable_thinking=false
        assertThat(ThinkSpan.visible("<think>\n\n</think>\n\n4")).isEqualTo("4");
    }

    @Test
    void onlyTheFirstCloseEndsTheSpan() {
        String t = "<think>a</think>\nuses </think> literally";
        assertThat(ThinkSpan.visible(t)).isEqualTo("uses </think> literally");
    }
}
