package io.groupthink.spring.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.SessionDefaults;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** entity(): an answer that does not map is retried, with a reminder, and every raw text is kept. */
class StructuredOutputRetryTests {

    record Mood(boolean happy) {}

    final GroupThinkSessions sessions = mock(GroupThinkSessions.class);
    final Deque<String> answers = new ArrayDeque<>();
    final List<GroupThinkRequest> requests = new ArrayList<>();

    @BeforeEach
    void scriptTheEngine() {
        when(sessions.defaults()).thenReturn(SessionDefaults.DEFAULT);
        when(sessions.request(anyString(), any())).thenAnswer(
                inv -> SessionDefaults.DEFAULT.request(inv.getArgument(0), inv.getArgument(1)));
        when(sessions.call(any(), any(), anyString())).thenAnswer(inv -> {
            GroupThinkRequest r = inv.getArgument(0);
            requests.add(r);
            String answer = answers.poll();
            List<GroupThinkResult.ThinkerResult> thinkers = new ArrayList<>();
            for (int i = 0; i < r.thinkers(); i++) {
                thinkers.add(new GroupThinkResult.ThinkerResult(i, "T", new int[] { 1 }, "t", FinishReason.EOS,
                        List.of()));
            }
            GroupThinkResult.ThinkerResult synthesis = new GroupThinkResult.ThinkerResult(r.thinkers(), "final",
                    new int[] { 2 }, answer, FinishReason.EOS, List.of());
            return new GroupThinkResult(requests.size(), thinkers, synthesis, answer, 10, 1, List.of(1.0, 0.5), 2.0, 0,
                    List.of(2));
        });
    }

    GroupThinkChatClient client() {
        return new DefaultGroupThinkChatClient(sessions);
    }

    @Test
    void aSecondAttemptThatMapsIsReturnedAndWasToldWhyTheFirstFailed() {
        answers.addAll(List.of("I am happy!", "{\"happy\": true}"));
        assertThat(client().prompt("How is Tom?").entity(Mood.class)).isEqualTo(new Mood(true));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).template().synthesis()).doesNotContain("not valid JSON");
        assertThat(requests.get(1).template().synthesis()).contains("The last answer was not valid JSON");
    }

    @Test
    void afterTheRetriesTheExceptionHoldsEveryRawText() {
        answers.addAll(List.of("no", "still no", "never"));
        assertThatThrownBy(() -> client().prompt("How is Tom?").structuredOutputRetries(2).entity(Mood.class))
                .isInstanceOfSatisfying(StructuredOutputException.class, e -> {
                    assertThat(e.attempts()).containsExactly("no", "still no", "never");
                    assertThat(e.text()).isEqualTo("never");
                    assertThat(e.getMessage()).contains("after 3 attempts").contains(Mood.class.getName());
                });
        assertThat(requests).hasSize(3);
    }

    @Test
    void theDefaultRetryCountComesFromTheDefaultsAndZeroMeansOneAttempt() {
        answers.addAll(List.of("a", "b", "c"));
        assertThatThrownBy(() -> client().prompt("q").entity(Mood.class))
                .isInstanceOfSatisfying(StructuredOutputException.class,
                        e -> assertThat(e.attempts()).hasSize(1 + SessionDefaults.DEFAULT.structuredOutputRetries()));
        requests.clear();
        answers.clear();
        answers.add("x");
        assertThatThrownBy(() -> client().prompt("q").structuredOutputRetries(0).entity(Mood.class))
                .isInstanceOf(StructuredOutputException.class);
        assertThat(requests).hasSize(1);
        assertThatThrownBy(() -> client().prompt("q").structuredOutputRetries(-1))
                .hasMessageContaining("structuredOutputRetries must be 0 or more");
    }
}
