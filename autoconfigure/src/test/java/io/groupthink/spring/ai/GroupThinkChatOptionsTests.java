package io.groupthink.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;

/** Merging the way Spring AI's ChatClient does: model defaults, then the request's customizer on top. */
class GroupThinkChatOptionsTests {

    final GroupThinkChatOptions defaults = GroupThinkChatOptions.builder().model("m").maxTokens(256).thinkers(1)
            .temperature(0.0).build();

    @Test
    void requestOptionsOverrideDefaultsAndKeepTheRest() {
        GroupThinkChatOptions merged = defaults.mutate()
                .combineWith(GroupThinkChatOptions.builder().thinkers(4).mode(Mode.INDEPENDENT).layout(Layout.INTERLEAVED)
                        .roles("a", "b").synthesize(false).synthesisTokens(9).seed(7L).repetitionPenalty(1.2)
                        .streamThinkers(true).topK(5).rounds(RoundOptions.of(3, 16, 8, 2)).minTokens(12))
                .build();
        assertThat(merged.getModel()).isEqualTo("m");
        assertThat(merged.getMaxTokens()).isEqualTo(256);
        assertThat(merged.getTemperature()).isEqualTo(0.0);
        assertThat(merged.getThinkers()).isEqualTo(4);
        assertThat(merged.getMode()).isEqualTo(Mode.INDEPENDENT);
        assertThat(merged.getLayout()).isEqualTo(Layout.INTERLEAVED);
        assertThat(merged.getRoles()).containsExactly("a", "b");
        assertThat(merged.getSynthesize()).isFalse();
        assertThat(merged.getSynthesisTokens()).isEqualTo(9);
        assertThat(merged.getSeed()).isEqualTo(7L);
        assertThat(merged.getRepetitionPenalty()).isEqualTo(1.2);
        assertThat(merged.getStreamThinkers()).isTrue();
        assertThat(merged.getTopK()).isEqualTo(5);
        assertThat(merged.getRounds()).isEqualTo(RoundOptions.of(3, 16, 8, 2));
        assertThat(merged.getMinTokens()).isEqualTo(12);
        assertThat(merged.toRequestOptions().build().minTokens()).isEqualTo(12);
        assertThat(defaults.mutate().combineWith(GroupThinkChatOptions.builder().thinkers(2)).build().getRounds())
                .as("unset: one session").isNull();
    }

    @Test
    void portableOptionsFromAnyChatOptionsBuilderApply() {
        GroupThinkChatOptions merged = defaults.mutate()
                .combineWith(ChatOptions.builder().maxTokens(32).temperature(0.5).stopSequences(List.of("END")))
                .build();
        assertThat(merged.getMaxTokens()).isEqualTo(32);
        assertThat(merged.getTemperature()).isEqualTo(0.5);
        assertThat(merged.getStopSequences()).containsExactly("END");
        assertThat(merged.getThinkers()).isEqualTo(1);
    }

    @Test
    void mutateCopiesEverything() {
        GroupThinkChatOptions full = GroupThinkChatOptions.builder().model("m").thinkers(3).roles("x", "y", "z")
                .mode(Mode.GROUP_THINK).synthesize(true).rounds(RoundOptions.of(2, 8, 4, 0)).minTokens(3).build();
        assertThat(full.mutate().build()).isEqualTo(full).isNotSameAs(full);
        assertThat(full.mutate().rounds(RoundOptions.of(2, 8, 4, 1)).build()).isNotEqualTo(full);
        assertThat(full.mutate().clone().build()).isEqualTo(full);
        assertThat(full.mutate().minTokens(4).build()).isNotEqualTo(full);
    }
}
