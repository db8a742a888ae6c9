package io.groupthink.spring.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.client.StructuredOutputException;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.SessionDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's mapping, against a test double of the session facade that returns scripted texts
 * (the tiny real model cannot write JSON; GroupThinkIntegrationTests runs the real path).
 */
class AgentProxyTests {

    record Estimate(int dollars, String currency) {}

    record Review(String security, Estimate cost, GroupThinkResponse response) {}

    @GroupThinkAgents(prompt = "Review {plan} for {team}", maxTokensPerThinker = 64)
    interface LaunchReview {

        @Thinker("security reviewer")
        String security(String plan, String team);

        @Thinker("cost analyst")
        Estimate cost(String plan, String team);

        Review review(String plan, String team);

        Map<String, Object> all(String plan, String team);

        @GroupThink(thinkers = 3, prompt = "Name {0}")
        Estimate guess(String thing);

        default String summary(String plan, String team) {
            return review(plan, team).security() + " / " + review(plan, team).cost().dollars();
        }
    }

    final GroupThinkSessions sessions = mock(GroupThinkSessions.class);
    final AtomicReference<GroupThinkRequest> last = new AtomicReference<>();
    final List<String> texts = new ArrayList<>();
    String finalAnswer;

    @BeforeEach
    void scriptTheEngine() {
        when(sessions.request(anyString(), any())).thenAnswer(
                inv -> SessionDefaults.DEFAULT.request(inv.getArgument(0), inv.getArgument(1)));
        when(sessions.defaults()).thenReturn(SessionDefaults.DEFAULT);
        when(sessions.call(any(), any(), anyString())).thenAnswer(inv -> {
            GroupThinkRequest r = inv.getArgument(0);
            last.set(r);
            List<GroupThinkResult.ThinkerResult> thinkers = new ArrayList<>();
            for (int i = 0; i < r.thinkers(); i++) {
                String text = i < texts.size() ? texts.get(i) : "thinker " + i;
                thinkers.add(new GroupThinkResult.ThinkerResult(i, "T" + (i + 1), new int[] { 5, 6 }, text,
                        FinishReason.EOS, List.of()));
            }
            GroupThinkResult.ThinkerResult synthesis = r.synthesize() ? new GroupThinkResult.ThinkerResult(r.thinkers(),
                    "final", new int[] { 7 }, finalAnswer, FinishReason.EOS, List.of()) : null;
            return new GroupThinkResult(42, thinkers, synthesis, synthesis == null ? null : finalAnswer, 10, 3,
                    List.of(1.0, 0.5, 0.5, 0.5), 2.0, 640, List.of(2, 2));
        });
    }

    @Test
    void groupCallRunsOneSessionAndTypesEachRole() {
        texts.addAll(List.of("no secrets in logs", "{\"dollars\": 120, \"currency\": \"EUR\"}"));
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);

        Review review = board.review("the beta", "payments");

        verify(sessions, times(1)).call(any(), eq(StepHook.NONE), eq(AgentProxy.SURFACE));
        assertThat(review.security()).isEqualTo("no secrets in logs");
        assertThat(review.cost()).isEqualTo(new Estimate(120, "EUR"));
        assertThat(review.response().thinkers()).hasSize(2);
        GroupThinkRequest r = last.get();
        assertThat(r.question()).isEqualTo("Review the beta for payments");
        assertThat(r.thinkers()).isEqualTo(2);
        assertThat(r.maxTokens()).isEqualTo(64);
        assertThat(r.roles().get(0)).isEqualTo("security reviewer");
        // The typed role is told the JSON schema, as Spring AI's structured output does.
        assertThat(r.roles().get(1)).startsWith("cost analyst\n").contains("\"dollars\"").contains("JSON");
    }

    @Test
    void mapAndSingleRoleCallsAlsoRunOneSessionEach() {
        texts.addAll(List.of("fine", "{\"dollars\": 3, \"currency\": \"USD\"}"));
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);

        assertThat(board.all("p", "t")).containsEntry("security", "fine")
                .containsEntry("cost", new Estimate(3, "USD"));
        assertThat(board.cost("p", "t")).isEqualTo(new Estimate(3, "USD"));
        assertThat(board.security("p", "t")).isEqualTo("fine");
        assertThat(board.summary("p", "t")).isEqualTo("fine / 3");
        verify(sessions, times(5)).call(any(), any(), anyString());
    }

    @Test
    void groupThinkMethodUsesNThinkersAndMapsTheFinalAnswer() {
        finalAnswer = "{\"dollars\": 9, \"currency\": \"GBP\"}";
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);
        assertThat(board.guess("a price")).isEqualTo(new Estimate(9, "GBP"));
        GroupThinkRequest r = last.get();
        assertThat(r.thinkers()).isEqualTo(3);
        assertThat(r.synthesize()).isTrue();
        assertThat(r.question()).isEqualTo("Name a price");
        assertThat(r.template().synthesis()).contains("JSON");
    }

    @Test
    void reasoningModelsAreReadAfterTheirThinkSpan() {
        // a reasoning model thinks first: roles and the final answer are read from the text after </think>
        texts.addAll(List.of("<think>\nAny secrets?\n</think>\n\nno secrets in logs",
                "<think>\n{\"dollars\": 1} is too low\n</think>\n\n{\"dollars\": 120, \"currency\": \"EUR\"}"));
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);
        Review review = board.review("the beta", "payments");
        assertThat(review.security()).isEqualTo("no secrets in logs");
        assertThat(review.cost()).isEqualTo(new Estimate(120, "EUR"));
        finalAnswer = "Thinking about prices.\n</think>\n\n{\"dollars\": 9, \"currency\": \"GBP\"}";
        assertThat(board.guess("a price")).isEqualTo(new Estimate(9, "GBP"));
    }

    @Test
    void aRoleThatWritesNoJsonFailsNamingTheRole() {
        texts.addAll(List.of("ok", "about a hundred dollars"));
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);
        assertThatThrownBy(() -> board.review("p", "t")).isInstanceOf(StructuredOutputException.class)
                .hasMessageContaining("role 'cost analyst'").hasMessageContaining("about a hundred dollars");
    }

    @GroupThinkAgents
    interface Broken {
        @Thinker("a")
        String a(String q);

        Wrong wrong(String q);

        record Wrong(String a, String b) {}
    }

    @GroupThinkAgents
    interface NoRoles {
        String ask(String q);
    }

    @Test
    void mistakesInTheInterfaceFailWhenTheProxyIsMade() {
        assertThatThrownBy(() -> AgentProxy.create(Broken.class, sessions)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("component 'b' of Wrong").hasMessageContaining("[a]");
        assertThatThrownBy(() -> AgentProxy.create(NoRoles.class, sessions)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no @Thinker methods");
    }

    @Test
    void rolesAreNumberedInDeclarationOrder() throws Exception {
        @SuppressWarnings("unused")
        LaunchReview board = AgentProxy.create(LaunchReview.class, sessions);
        texts.addAll(List.of("first", "{\"dollars\": 1, \"currency\": \"X\"}"));
        board.all("p", "t");
        assertThat(last.get().roles().get(0)).isEqualTo("security reviewer");
        assertThat(board.toString()).contains(LaunchReview.class.getName());
    }
}
