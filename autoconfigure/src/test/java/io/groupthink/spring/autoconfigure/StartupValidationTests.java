package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.spring.agent.GroupThink;
import io.groupthink.spring.agent.GroupThinkAgents;
import io.groupthink.spring.agent.GroupThinkAgentsFactoryBean;
import io.groupthink.spring.agent.InvalidAgentException;
import io.groupthink.spring.agent.Thinker;
import io.groupthink.spring.client.GroupThinkResponse;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * Everything knowable at start-up fails start-up: each invalid property and each malformed agent
 * interface, with a failure analysis that names the property, or the interface and method.
 */
class StartupValidationTests {

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GroupThinkAutoConfiguration.class,
                    GroupThinkChatModelAutoConfiguration.class, GroupThinkAgentsAutoConfiguration.class))
            .withUserConfiguration(TestModels.SharedModel.class)
            .withPropertyValues(TestModels.storiesProperties())
            .withPropertyValues("groupthink.agents.enabled=false");

    static Stream<Arguments> invalidProperties() {
        return Stream.of(
                Arguments.of("groupthink.defaults.thinkers=0", "groupthink.defaults.thinkers"),
                Arguments.of("groupthink.defaults.thinkers=17", "groupthink.defaults.thinkers"),
                Arguments.of("groupthink.defaults.tokens-per-thinker=0", "groupthink.defaults.tokens-per-thinker"),
                Arguments.of("groupthink.defaults.tokens-per-thinker=5000", "groupthink.defaults.tokens-per-thinker"),
                Arguments.of("groupthink.defaults.synthesis-tokens=0", "groupthink.defaults.synthesis-tokens"),
                Arguments.of("groupthink.defaults.structured-output-retries=-1",
                        "groupthink.defaults.structured-output-retries"),
                Arguments.of("groupthink.defaults.mode=groupp", "groupthink.defaults.mode"),
                Arguments.of("groupthink.defaults.layout=diagonal", "groupthink.defaults.layout"),
                Arguments.of("groupthink.sampling.temperature=-0.5", "groupthink.sampling.temperature"),
                Arguments.of("groupthink.sampling.top-k=-1", "groupthink.sampling.top-k"),
                Arguments.of("groupthink.sampling.top-p=0", "groupthink.sampling.top-p"),
                Arguments.of("groupthink.sampling.top-p=1.5", "groupthink.sampling.top-p"),
                Arguments.of("groupthink.sampling.repetition-penalty=0", "groupthink.sampling.repetition-penalty"),
                Arguments.of("groupthink.engine.kv-tokens=0", "groupthink.engine.kv-tokens"),
                Arguments.of("groupthink.engine.max-queue=-1", "groupthink.engine.max-queue"),
                Arguments.of("groupthink.engine.queue-timeout=-1s", "groupthink.engine.queue-timeout"),
                Arguments.of("groupthink.engine.prefill-tokens-per-step=0", "groupthink.engine.prefill-tokens-per-step"),
                Arguments.of("groupthink.limits.max-thinkers=0", "groupthink.limits.max-thinkers"),
                Arguments.of("groupthink.limits.max-thinkers=32", "groupthink.limits.max-thinkers"),
                Arguments.of("groupthink.limits.max-tokens-per-thinker=0", "groupthink.limits.max-tokens-per-thinker"),
                Arguments.of("groupthink.limits.max-prompt-chars=0", "groupthink.limits.max-prompt-chars"),
                Arguments.of("groupthink.model.linear=fast", "groupthink.model.linear"),
                Arguments.of("groupthink.model.quantize=q3_k", "groupthink.model.quantize"),
                Arguments.of("groupthink.model.threads=-2", "groupthink.model.threads"),
                Arguments.of("groupthink.prompt.user=Tell me {qestion}", "groupthink.prompt.user"),
                Arguments.of("groupthink.prompt.user=Tell me a story.", "groupthink.prompt.user"),
                Arguments.of("groupthink.prompt.header=Thinker{name}:", "groupthink.prompt.header"),
                Arguments.of("groupthink.prompt.group-system=We are {n} thinkers.", "groupthink.prompt.group-system"),
                Arguments.of("groupthink.prompt.role=You are the expert.", "groupthink.prompt.role"),
                Arguments.of("groupthink.chat.thinkers=0", "groupthink.chat.thinkers"),
                Arguments.of("groupthink.chat.max-tokens=0", "groupthink.chat.max-tokens"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidProperties")
    void anInvalidPropertyFailsStartUpNamingIt(String property, String name) {
        runner.withPropertyValues(property).run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis analysis = analyze(ctx.getStartupFailure());
            assertThat(analysis).as("a failure analysis for " + property).isNotNull();
            assertThat(analysis.getDescription()).contains(name);
        });
    }

    // --- malformed agent interfaces: each fails start-up naming the interface and, where it is one method's fault, the method

    @GroupThinkAgents(mode = "groupp")
    interface ModeTypo {
        @Thinker("a")
        String a(String plan);
    }

    @GroupThinkAgents
    interface GroupThinkModeTypo {
        @GroupThink(mode = "indepedent")
        String ask(String question);
    }

    @GroupThinkAgents
    interface ComponentWithoutRole {
        @Thinker("a")
        String a(String plan);

        Out both(String plan);

        record Out(String a, String b) {}
    }

    @GroupThinkAgents
    interface FinalAnswerWithoutSynthesis {
        @Thinker("a")
        String a(String plan);

        Out both(String plan);

        record Out(String a, String finalAnswer) {}
    }

    @GroupThinkAgents
    interface VoidRole {
        @Thinker("a")
        void a(String plan);
    }

    @GroupThinkAgents
    interface UnmappableReturn {
        @Thinker("a")
        String a(String plan);

        int count(String plan);
    }

    @GroupThinkAgents
    interface GroupCallWithoutRoles {
        GroupThinkResponse all(String plan);
    }

    @GroupThinkAgents
    interface BothAnnotations {
        @Thinker("a")
        @GroupThink
        String a(String plan);
    }

    @GroupThinkAgents
    interface OverloadedRole {
        @Thinker("a")
        String a(String plan);

        @Thinker("b")
        String a(String plan, String more);
    }

    interface InheritedRoles {
        @Thinker("a")
        String a(String plan);
    }

    @GroupThinkAgents
    interface RoleFromASuperInterface extends InheritedRoles {
        @Thinker("b")
        String b(String plan);
    }

    @GroupThinkAgents(prompt = "Review {plan}")
    interface PlaceholderNoArgumentFills {
        @Thinker("a")
        String a(String document);
    }

    @GroupThinkAgents
    interface TooManyThinkers {
        @GroupThink(thinkers = 40)
        String ask(String question);
    }

    @GroupThinkAgents(maxTokensPerThinker = -5)
    interface NegativeBudget {
        @Thinker("a")
        String a(String plan);
    }

    @GroupThinkAgents
    interface MapOfTheWrongKind {
        @Thinker("a")
        String a(String plan);

        Map<Integer, String> all(String plan);
    }

    static Stream<Arguments> malformedAgents() {
        return Stream.of(
                Arguments.of(ModeTypo.class, null, "unknown mode 'groupp'"),
                Arguments.of(GroupThinkModeTypo.class, "ask", "unknown mode 'indepedent'"),
                Arguments.of(ComponentWithoutRole.class, "both", "component 'b'"),
                Arguments.of(FinalAnswerWithoutSynthesis.class, "both", "synthesize = true"),
                Arguments.of(VoidRole.class, "a", "returns void"),
                Arguments.of(UnmappableReturn.class, "count", "must return a record"),
                Arguments.of(GroupCallWithoutRoles.class, "all", "no @Thinker methods"),
                Arguments.of(BothAnnotations.class, "a", "both @Thinker and @GroupThink"),
                Arguments.of(OverloadedRole.class, "a", "overloaded"),
                Arguments.of(RoleFromASuperInterface.class, "a", "declared in"),
                Arguments.of(PlaceholderNoArgumentFills.class, "a", "{plan} matches no parameter"),
                Arguments.of(TooManyThinkers.class, "ask", "thinkers = 40"),
                Arguments.of(NegativeBudget.class, null, "maxTokensPerThinker is -5"),
                Arguments.of(MapOfTheWrongKind.class, "all", "must return a record"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedAgents")
    void aMalformedAgentInterfaceFailsStartUpNamingIt(Class<?> agent, String method, String problem) {
        runner.withInitializer(ctx -> {
            RootBeanDefinition definition = new RootBeanDefinition(GroupThinkAgentsFactoryBean.class);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(0, agent);
            definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, agent);
            ((GenericApplicationContext) ctx).registerBeanDefinition("agent", definition);
        }).run(ctx -> {
            assertThat(ctx).as("nothing injects the agent, yet start-up checks it").hasFailed();
            FailureAnalysis analysis = analyze(ctx.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains(agent.getName()).contains(problem);
            if (method != null) {
                assertThat(analysis.getDescription()).contains("." + method + "()");
            }
            InvalidAgentException e = findCause(ctx.getStartupFailure(), InvalidAgentException.class);
            assertThat(e.agentInterface()).isEqualTo(agent);
            assertThat(e.method()).isEqualTo(method);
        });
    }

    /**
     * The analysis Boot would print: the first registered analyzer that explains the failure
     * (those that need the bean factory are skipped; none of ours does).
     */
    static FailureAnalysis analyze(Throwable failure) {
        for (FailureAnalyzer analyzer : SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class,
                SpringFactoriesLoader.ArgumentResolver.none(), (type, name, error) -> { })) {
            FailureAnalysis analysis = analyzer.analyze(failure);
            if (analysis != null) {
                return analysis;
            }
        }
        return null;
    }

    static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + t);
    }
}
