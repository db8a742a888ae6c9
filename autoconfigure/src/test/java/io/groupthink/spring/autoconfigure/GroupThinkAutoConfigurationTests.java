package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot.timelimiter.autoconfigure.TimeLimiterAutoConfiguration;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundPrompts;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.scheduler.EngineListener;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.actuate.GroupThinkEndpoint;
import io.groupthink.spring.actuate.GroupThinkGauges;
import io.groupthink.spring.actuate.GroupThinkHealthIndicator;
import io.groupthink.spring.actuate.GroupThinkMeters;
import io.groupthink.spring.ai.GroupThinkAdvisor;
import io.groupthink.spring.ai.GroupThinkChatModel;
import io.groupthink.spring.ai.GroupThinkFallback;
import io.groupthink.spring.autoconfigure.agents.RunnerReviewBoard;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkException;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.client.GroupThinkUnavailableException;
import io.groupthink.spring.client.ThinkerToken;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.Resilience4jSessionGuard;
import io.groupthink.spring.session.SessionGuard;
import io.groupthink.spring.session.SessionRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import reactor.core.Disposable;

/**
 * Every auto-configuration under every property value: on, off, and the application's own bean.
 * Most contexts share one loaded model (TestModels.SharedModel) so that they start in milliseconds;
 * the tests whose subject is the model bean load it themselves.
 */
class GroupThinkAutoConfigurationTests {

    static final AutoConfigurations ALL = AutoConfigurations.of(GroupThinkAutoConfiguration.class,
            GroupThinkResilienceAutoConfiguration.class, GroupThinkChatModelAutoConfiguration.class,
            GroupThinkAdvisorAutoConfiguration.class,
            GroupThinkAgentsAutoConfiguration.class, GroupThinkMetricsAutoConfiguration.class,
            GroupThinkActuatorAutoConfiguration.class);

    static final AutoConfigurations METRICS = AutoConfigurations.of(MetricsAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class);

    static final AutoConfigurations RESILIENCE4J = AutoConfigurations.of(BulkheadAutoConfiguration.class,
            TimeLimiterAutoConfiguration.class, CircuitBreakerAutoConfiguration.class);

    /** The agents scan looks in the auto-configuration packages: this one covers ...autoconfigure.agents. */
    @Configuration(proxyBeanMethods = false)
    @AutoConfigurationPackage(basePackageClasses = RunnerReviewBoard.class)
    @Import(TestModels.SharedModel.class)
    static class App {
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(ALL)
            .withUserConfiguration(App.class)
            .withPropertyValues(TestModels.storiesProperties());

    @Test
    void everySurfaceIsConfiguredByDefault() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed()
                    .hasSingleBean(GroupThinkModel.class)
                    .hasSingleBean(Scheduler.class)
                    .hasSingleBean(SessionRegistry.class)
                    .hasSingleBean(GroupThinkSessions.class)
                    .hasSingleBean(GroupThinkChatClient.class)
                    .hasSingleBean(GroupThinkChatModel.class)
                    .hasSingleBean(Resilience4jSessionGuard.class)
                    .hasSingleBean(RunnerReviewBoard.class)
                    .hasSingleBean(GroupThinkHealthIndicator.class)
                    // no MeterRegistry: no meters; the endpoint is not exposed by default
                    .doesNotHaveBean(GroupThinkMeters.class)
                    .doesNotHaveBean(GroupThinkEndpoint.class);
            // The scheduler hears the registry through the composite listener.
            assertThat(ctx.getBean(GroupThinkSessions.class).registry()).isSameAs(ctx.getBean(SessionRegistry.class));
        });
    }

    @Test
    void offSwitchRemovesEverything() {
        runner.withPropertyValues("groupthink.enabled=false").run(ctx -> assertThat(ctx).hasNotFailed()
                .doesNotHaveBean(Scheduler.class)
                .doesNotHaveBean(GroupThinkSessions.class)
                .doesNotHaveBean(GroupThinkChatClient.class)
                .doesNotHaveBean(GroupThinkChatModel.class)
                .doesNotHaveBean(SessionGuard.class)
                .doesNotHaveBean(RunnerReviewBoard.class)
                .doesNotHaveBean(GroupThinkHealthIndicator.class));
    }

    @Test
    void propertiesReachTheEngineAndTheRequests() {
        runner.withPropertyValues("groupthink.defaults.thinkers=3", "groupthink.defaults.tokens-per-thinker=17",
                "groupthink.defaults.mode=independent", "groupthink.defaults.layout=interleaved",
                "groupthink.defaults.synthesize=false", "groupthink.defaults.synthesis-tokens=9",
                "groupthink.defaults.others-see-instructions=true", "groupthink.sampling.temperature=0.7",
                "groupthink.sampling.top-k=40", "groupthink.sampling.top-p=0.9", "groupthink.sampling.seed=42",
                "groupthink.sampling.repetition-penalty=1.1", "groupthink.engine.kv-tokens=2048",
                "groupthink.engine.max-queue=3", "groupthink.engine.queue-timeout=5s",
                "groupthink.engine.prefill-tokens-per-step=256", "groupthink.engine.prefix-sharing=false",
                "groupthink.prompt.header=T{id}>",
                "groupthink.limits.max-thinkers=6").run(ctx -> {
                    GroupThinkRequest r = ctx.getBean(GroupThinkSessions.class).request("q", null);
                    assertThat(r.thinkers()).isEqualTo(3);
                    assertThat(r.maxTokens()).isEqualTo(17);
                    assertThat(r.mode()).isEqualTo(Mode.INDEPENDENT);
                    assertThat(r.layout()).isEqualTo(Layout.INTERLEAVED);
                    assertThat(r.synthesize()).isFalse();
                    assertThat(r.synthesisTokens()).isEqualTo(9);
                    assertThat(r.othersSeeInstructions()).isTrue();
                    assertThat(r.sampling().temperature()).isEqualTo(0.7);
                    assertThat(r.sampling().topK()).isEqualTo(40);
                    assertThat(r.sampling().topP()).isEqualTo(0.9);
                    assertThat(r.sampling().seed()).isEqualTo(42);
                    assertThat(r.sampling().repetitionPenalty()).isEqualTo(1.1);
                    assertThat(r.template().header()).isEqualTo("T{id}>");
                    assertThat(r.template().groupSystem()).isEqualTo(TestModels.SHORT.groupSystem());
                    Scheduler s = ctx.getBean(Scheduler.class);
                    assertThat(s.options().kvTokens()).isEqualTo(2048);
                    assertThat(s.options().maxQueue()).isEqualTo(3);
                    assertThat(s.options().queueTimeout()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(s.options().prefillTokensPerStep()).isEqualTo(256);
                    assertThat(s.options().prefixSharing()).isFalse();
                    assertThatThrownBy(() -> ctx.getBean(GroupThinkChatClient.class).prompt("q").thinkers(7).call())
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("groupthink.limits.max-thinkers");
                });
    }

    @Test
    void modeAcceptsTheEngineSpellings() {
        runner.withPropertyValues("groupthink.defaults.mode=group").run(ctx -> assertThat(
                ctx.getBean(GroupThinkSessions.class).request("q", null).mode()).isEqualTo(Mode.GROUP_THINK));
        runner.withPropertyValues("groupthink.defaults.mode=cot").run(ctx -> assertThat(
                ctx.getBean(GroupThinkSessions.class).request("q", null).mode()).isEqualTo(Mode.COT));
    }

    @Test
    void limitsRejectBeforeTokenizing() {
        // the defaults must sit within the limits, or start-up fails (StartupValidationTests)
        runner.withPropertyValues("groupthink.limits.max-prompt-chars=10", "groupthink.limits.max-tokens-per-thinker=20",
                "groupthink.defaults.tokens-per-thinker=16", "groupthink.defaults.synthesis-tokens=16")
                .run(ctx -> {
                    GroupThinkChatClient client = ctx.getBean(GroupThinkChatClient.class);
                    assertThatThrownBy(() -> client.prompt("a question far longer than ten").call())
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("groupthink.limits.max-prompt-chars");
                    assertThatThrownBy(() -> client.prompt("short").maxTokensPerThinker(21).call())
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("groupthink.limits.max-tokens-per-thinker");
                    assertThat(ctx.getBean(Scheduler.class).stats().submitted()).isZero();
                });
    }

    @Test
    void applicationBeansReplaceOurs() {
        GroupThinkChatClient own = org.mockito.Mockito.mock(GroupThinkChatClient.class);
        SessionGuard guard = () -> SessionGuard.Permit.NONE;
        runner.withBean("myClient", GroupThinkChatClient.class, () -> own)
                .withBean("myGuard", SessionGuard.class, () -> guard)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(GroupThinkChatClient.class).hasSingleBean(SessionGuard.class)
                            .doesNotHaveBean(Resilience4jSessionGuard.class);
                    assertThat(ctx.getBean(GroupThinkChatClient.class)).isSameAs(own);
                    assertThat(ctx.getBean(SessionGuard.class)).isSameAs(guard);
                });
    }

    @Test
    void applicationEngineListenersHearTheScheduler() {
        AtomicReference<Integer> rows = new AtomicReference<>();
        EngineListener listener = new EngineListener() {
            @Override
            public void onStep(int r, int sessions, double millis) {
                rows.set(r);
            }
        };
        runner.withBean(EngineListener.class, () -> listener).run(ctx -> {
            ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.").thinkers(2).maxTokensPerThinker(4)
                    .synthesize(false).call();
            // engine events reach listeners off the engine thread, so they may trail the call's result
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rows.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(rows.get()).isPositive();
        });
    }

    // --- the model bean and the failure analyzer

    @Test
    void missingModelPathFailsWithAnalysisNamingTheProperty() {
        new ApplicationContextRunner().withConfiguration(ALL).run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis analysis = new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("'groupthink.model.path'").contains("'groupthink.model.id'");
            assertThat(analysis.getAction()).contains("Set 'groupthink.model.path'");
        });
    }

    @Test
    void aHubIdThatCannotBePulledFailsWithAnalysisNamingTheId() {
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.id=groupthink-test/not-cached-anywhere", "groupthink.model.offline=true")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    FailureAnalysis analysis = new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("groupthink.model.id")
                            .contains("groupthink-test/not-cached-anywhere");
                    assertThat(analysis.getAction()).contains("groupthink.model.id");
                });
    }

    @Test
    void aPathWinsOverAnIdAndTheLinearOperatorIsSelectable() {
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.path=" + TestModels.stories(),
                        "groupthink.model.id=groupthink-test/never-pulled", "groupthink.model.linear=torch")
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(GroupThinkModel.class));
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.path=" + TestModels.stories(), "groupthink.model.linear=gpu")
                .run(ctx -> assertThat(ctx.getStartupFailure()).hasStackTraceContaining("groupthink.model.linear"));
    }

    @Test
    void weightsAreQuantizedAtLoadOnRequest() {
        long[] fp32 = new long[1];
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.path=" + TestModels.stories(), "groupthink.model.linear=torch")
                .run(ctx -> fp32[0] = ctx.getBean(GroupThinkModel.class).transformer().weightBytesPerStep());
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.path=" + TestModels.stories(), "groupthink.model.quantize=q8_0")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    // held as Q8_0: 1.125 bytes a weight plus a little padding, against 4 in fp32
                    assertThat(ctx.getBean(GroupThinkModel.class).transformer().weightBytesPerStep())
                            .isLessThan(fp32[0] * 35 / 100);
                });
        new ApplicationContextRunner().withConfiguration(ALL)
                .withPropertyValues("groupthink.model.path=" + TestModels.stories(), "groupthink.model.quantize=q2")
                .run(ctx -> assertThat(ctx.getStartupFailure()).hasStackTraceContaining("groupthink.model.quantize"));
    }

    @Test
    void badModelPathFailsWithAnalysisNamingPathAndProblem(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope");
        new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues("groupthink.model.path=" + missing)
                .run(ctx -> {
                    FailureAnalysis analysis = new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure());
                    assertThat(analysis.getDescription()).contains(missing.toString())
                            .contains("does not exist").contains("groupthink.model.path");
                    assertThat(analysis.getAction()).contains("groupthink.model.path");
                });
        Path file = Files.writeString(dir.resolve("model.txt"), "not a folder");
        new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues("groupthink.model.path=" + file)
                .run(ctx -> assertThat(new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure()).getDescription())
                        .contains(file.toString()).contains("is a file"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues("groupthink.model.path=" + empty)
                .run(ctx -> assertThat(new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure()).getDescription())
                        .contains("config.json is missing"));
    }

    @Test
    void modelIsLoadedOnceAndClosedAfterTheSchedulerOnShutdown() {
        AtomicReference<GroupThinkModel> model = new AtomicReference<>();
        AtomicReference<Scheduler> scheduler = new AtomicReference<>();
        new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues(TestModels.storiesProperties())
                .run(ctx -> {
                    model.set(ctx.getBean(GroupThinkModel.class));
                    scheduler.set(ctx.getBean(Scheduler.class));
                    assertThat(model.get().isClosed()).isFalse();
                    assertThat(scheduler.get().stats().alive()).isTrue();
                });
        assertThat(scheduler.get().stats().alive()).isFalse();
        assertThat(model.get().isClosed()).isTrue();
        assertThatThrownBy(() -> model.get().liveArrays()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownWithSessionsInFlightEndsThemWithShuttingDown() throws Exception {
        CountDownLatch firstToken = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        // no drain time: the running session cannot finish and must end with "shutting down"
        // (EngineShutdownTests covers sessions finishing within a drain)
        runner.withPropertyValues("groupthink.defaults.tokens-per-thinker=200", "groupthink.engine.drain-time=0s")
                .run(ctx -> {
            Disposable d = ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.").thinkers(2)
                    .synthesize(false)
                    .stepHook(new SlowHook(20))
                    .stream()
                    .doOnNext(t -> firstToken.countDown())
                    .subscribe(t -> {}, e -> {
                        error.set(e);
                        ended.countDown();
                    }, ended::countDown);
            assertThat(firstToken.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(d.isDisposed()).isFalse();
        }); // context closes here with the session running
        assertThat(ended.await(10, TimeUnit.SECONDS)).as("stream ended, no hang").isTrue();
        assertThat(error.get()).isInstanceOf(GroupThinkUnavailableException.class)
                .hasMessageContaining("shutting down");
    }

    // --- ChatModel

    @Test
    void chatModelHonoursSpringAiModelChat() {
        runner.withPropertyValues("spring.ai.model.chat=groupthink")
                .run(ctx -> assertThat(ctx).hasSingleBean(GroupThinkChatModel.class));
        runner.withPropertyValues("spring.ai.model.chat=openai")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(ChatModel.class).hasSingleBean(GroupThinkChatClient.class));
    }

    @Test
    void chatModelBacksOffForTheApplicationsOwnChatModel() {
        ChatModel own = prompt -> new ChatResponse(List.of(new Generation(new AssistantMessage("own"))));
        runner.withBean("ownChatModel", ChatModel.class, () -> own).run(ctx -> {
            assertThat(ctx).doesNotHaveBean(GroupThinkChatModel.class).hasSingleBean(ChatModel.class);
            assertThat(ctx).hasSingleBean(GroupThinkChatClient.class);
            // the advisor still turns the application's ChatClient calls into Group Think
            assertThat(ctx).hasSingleBean(GroupThinkAdvisor.class);
            assertThat(ctx.getBean(GroupThinkAdvisor.class).getOptions().getThinkers()).isEqualTo(4);
        });
    }

    @Test
    void theAdvisorUsesTheChatModelBeanAndTheDefaultThinkers() {
        runner.withPropertyValues("groupthink.defaults.thinkers=3").run(ctx -> {
            assertThat(ctx).hasSingleBean(GroupThinkAdvisor.class).hasSingleBean(GroupThinkChatModel.class);
            assertThat(ctx.getBean(GroupThinkAdvisor.class).getOptions().getThinkers()).isEqualTo(3);
        });
        runner.withClassLoader(new FilteredClassLoader(org.springframework.ai.chat.client.ChatClient.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(GroupThinkAdvisor.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class FallbackConfig {
        @Bean
        @GroupThinkFallback
        ChatModel fallbackChatModel() {
            return prompt -> new ChatResponse(List.of(new Generation(new AssistantMessage("from the fallback"))));
        }
    }

    @Test
    void aFallbackChatModelDoesNotCountAsTheApplicationsOwn() {
        runner.withUserConfiguration(FallbackConfig.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(GroupThinkChatModel.class);
            Resilience4jSessionGuard guard = ctx.getBean(Resilience4jSessionGuard.class);
            guard.circuitBreaker().transitionToForcedOpenState();
            assertThat(ctx.getBean(GroupThinkChatModel.class).call("Tom had a ball.")).isEqualTo("from the fallback");
            assertThatThrownBy(() -> ctx.getBean(GroupThinkChatClient.class).prompt("Tom").call())
                    .isInstanceOf(GroupThinkUnavailableException.class).hasMessageContaining("FORCED_OPEN");
            assertThat(ctx.getBean(GroupThinkHealthIndicator.class).health().getStatus().getCode()).isEqualTo("DOWN");
            assertThat(ctx.getBean(Scheduler.class).stats().submitted()).isZero();
        });
    }

    // --- resilience

    @Test
    void resilienceUsesTheUsualResilience4jProperties() {
        runner.withConfiguration(RESILIENCE4J)
                .withPropertyValues("resilience4j.bulkhead.instances.groupthink.max-concurrent-calls=4",
                        "resilience4j.bulkhead.instances.groupthink.max-wait-duration=0",
                        "resilience4j.timelimiter.instances.groupthink.timeout-duration=3s",
                        "resilience4j.circuitbreaker.instances.groupthink.minimum-number-of-calls=7")
                .run(ctx -> {
                    Resilience4jSessionGuard guard = ctx.getBean(Resilience4jSessionGuard.class);
                    assertThat(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(4);
                    assertThat(guard.timeLimiter().getTimeLimiterConfig().getTimeoutDuration())
                            .isEqualTo(Duration.ofSeconds(3));
                    assertThat(guard.circuitBreaker().getCircuitBreakerConfig().getMinimumNumberOfCalls()).isEqualTo(7);
                    assertThat(guard.bulkhead()).isSameAs(
                            ctx.getBean(io.github.resilience4j.bulkhead.BulkheadRegistry.class).bulkhead("groupthink"));
                });
    }

    @Test
    void unconfiguredTimeLimiterGetsAGenerationSizedDefault() {
        runner.withConfiguration(RESILIENCE4J).run(ctx -> assertThat(ctx.getBean(Resilience4jSessionGuard.class)
                .timeLimiter().getTimeLimiterConfig().getTimeoutDuration()).isEqualTo(Duration.ofMinutes(2)));
        runner.withPropertyValues("groupthink.resilience.default-timeout=45s").run(ctx -> assertThat(ctx
                .getBean(Resilience4jSessionGuard.class).timeLimiter().getTimeLimiterConfig().getTimeoutDuration())
                .isEqualTo(Duration.ofSeconds(45)));
    }

    @Test
    void resilienceOffOrAbsent() {
        runner.withPropertyValues("groupthink.resilience.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(SessionGuard.class).hasSingleBean(GroupThinkSessions.class));
        runner.withClassLoader(new FilteredClassLoader(Bulkhead.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(SessionGuard.class)
                        .hasSingleBean(GroupThinkSessions.class));
    }

    // --- metrics, health, endpoint

    @Test
    void metricsWithAMeterRegistry() {
        runner.withConfiguration(METRICS).run(ctx -> assertThat(ctx).hasSingleBean(GroupThinkMeters.class)
                .hasSingleBean(GroupThinkGauges.class));
        runner.withConfiguration(METRICS).withPropertyValues("groupthink.metrics.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(GroupThinkMeters.class).doesNotHaveBean(GroupThinkGauges.class));
    }

    @Test
    void roundsComeFromPropertiesAndTheClientAndAreMetered() {
        runner.withConfiguration(METRICS).withPropertyValues("groupthink.rounds.max-rounds=3",
                "groupthink.rounds.segment-tokens=5", "groupthink.rounds.summary-tokens=4",
                "groupthink.rounds.carry-tokens=2", "groupthink.rounds.final-marker=").run(ctx -> {
                    assertThat(ctx.getBean(GroupThinkProperties.class).getRounds().toOptions())
                            .isEqualTo(new RoundOptions(3, 5, 4, 2, false, null, RoundPrompts.DEFAULT));
                    RoundsResult r = ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.").thinkers(2)
                            .synthesize(false).rounds(2).callInRounds();
                    assertThat(r.rounds()).hasSize(2);
                    for (RoundsResult.Round round : r.rounds()) {
                        assertThat(round.segments()).hasSize(2)
                                .allSatisfy(t -> assertThat(t.tokens().length).isLessThanOrEqualTo(5));
                        assertThat(round.summaryTokens()).isLessThanOrEqualTo(4);
                    }
                    assertThat(r.rounds().get(1).question()).contains(r.rounds().get(0).summary());
                    MeterRegistry meters = ctx.getBean(MeterRegistry.class);
                    // the result completes first, then the listeners (the meters among them) hear of it
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while ((meters.find(GroupThinkMeters.SUMMARY_TOKENS).counter() == null
                            || meters.find(GroupThinkMeters.SUMMARY_TOKENS).counter().count() < r.summaryTokens())
                            && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    assertThat(meters.get(GroupThinkMeters.ROUNDS).summary().count()).isEqualTo(1);
                    assertThat(meters.get(GroupThinkMeters.ROUNDS).summary().totalAmount()).isEqualTo(2);
                    assertThat(meters.get(GroupThinkMeters.SUMMARY_TOKENS).counter().count())
                            .isEqualTo(r.summaryTokens());
                });
    }

    @Test
    void healthIndicatorCanBeSwitchedOffOrReplaced() {
        runner.withPropertyValues("management.health.groupthink.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(GroupThinkHealthIndicator.class));
        runner.withBean("groupthinkHealthIndicator", org.springframework.boot.health.contributor.HealthIndicator.class,
                () -> () -> org.springframework.boot.health.contributor.Health.up().build())
                .run(ctx -> assertThat(ctx).doesNotHaveBean(GroupThinkHealthIndicator.class));
    }

    @Test
    void endpointWhenExposed() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=groupthink")
                .run(ctx -> assertThat(ctx).hasSingleBean(GroupThinkEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=groupthink",
                "management.endpoint.groupthink.access=NONE")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(GroupThinkEndpoint.class));
    }

    // --- agents

    @Test
    void agentsOffOrOwnBean() {
        runner.withPropertyValues("groupthink.agents.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(RunnerReviewBoard.class));
        RunnerReviewBoard own = new RunnerReviewBoard() {
            @Override
            public String safety(String plan) {
                return "own";
            }

            @Override
            public String cost(String plan) {
                return "own";
            }
        };
        runner.withBean("ownBoard", RunnerReviewBoard.class, () -> own).run(ctx -> {
            assertThat(ctx).hasSingleBean(RunnerReviewBoard.class);
            assertThat(ctx.getBean(RunnerReviewBoard.class)).isSameAs(own);
        });
    }

    @Test
    void streamCancelFreesTheEngine() throws Exception {
        runner.run(ctx -> {
            Scheduler scheduler = ctx.getBean(Scheduler.class);
            List<ThinkerToken> tokens = ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.")
                    .maxTokensPerThinker(60).stream().take(6).collectList().block(Duration.ofSeconds(30));
            assertThat(tokens).hasSize(6);
            IntegrationSupport.awaitIdle(scheduler, ctx.getBean(SessionRegistry.class));
            assertThat(scheduler.stats().completed()).isEqualTo(1);
            assertThat(scheduler.stats().steps()).as("cancelled long before its budget").isLessThan(40);
            // The engine keeps serving after a cancel.
            GroupThinkResponse after = ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.").call();
            assertThat(after.thinkers()).hasSize(4);
        });
    }

    // --- bad inputs and faults (shared/bad-inputs.md 21, 27, 28)

    @Test
    void sessionLargerThanTheKvBudgetIsRefusedClearly() {
        runner.withPropertyValues("groupthink.engine.kv-tokens=64").run(ctx -> assertThatThrownBy(
                () -> ctx.getBean(GroupThinkChatClient.class).prompt("Tom had a ball.").call())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KV budget is 64 tokens"));
    }

    @Test
    void fullEngineQueueIsATransientBusyError() {
        // Room in the KV cache for one session and no queue: a second session is turned away at once.
        runner.withPropertyValues("groupthink.engine.kv-tokens=300", "groupthink.engine.max-queue=0").run(ctx -> {
            GroupThinkChatClient client = ctx.getBean(GroupThinkChatClient.class);
            CountDownLatch first = new CountDownLatch(1);
            Disposable running = client.prompt("Tom had a ball.").maxTokensPerThinker(40).stepHook(new SlowHook(5))
                    .stream().subscribe(t -> first.countDown());
            try {
                assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
                assertThatThrownBy(() -> client.prompt("Tom had a ball.").maxTokensPerThinker(40).call())
                        .isInstanceOf(GroupThinkBusyException.class)
                        .hasMessageContaining("engine busy")
                        .hasMessageContaining("groupthink.engine.max-queue");
            } finally {
                running.dispose();
            }
            IntegrationSupport.awaitIdle(ctx.getBean(Scheduler.class), ctx.getBean(SessionRegistry.class));
        });
    }

    @Test
    void engineFailuresOpenTheCircuitAndHealthGoesDown() {
        io.groupthink.engine.groupthink.StepHook failing = new io.groupthink.engine.groupthink.StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                throw new IllegalStateException("simulated native failure");
            }
        };
        runner.withConfiguration(RESILIENCE4J)
                .withPropertyValues("resilience4j.circuitbreaker.instances.groupthink.minimum-number-of-calls=2",
                        "resilience4j.circuitbreaker.instances.groupthink.sliding-window-size=2")
                .run(ctx -> {
                    GroupThinkChatClient client = ctx.getBean(GroupThinkChatClient.class);
                    for (int i = 0; i < 2; i++) {
                        assertThatThrownBy(() -> client.prompt("Tom had a ball.").stepHook(failing).call())
                                .isInstanceOf(GroupThinkException.class)
                                .hasMessageContaining("simulated native failure");
                    }
                    long submitted = ctx.getBean(Scheduler.class).stats().submitted();
                    long t0 = System.nanoTime();
                    assertThatThrownBy(() -> client.prompt("Tom had a ball.").call())
                            .isInstanceOf(GroupThinkUnavailableException.class)
                            .hasMessageContaining("circuit breaker 'groupthink' is OPEN");
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(200));
                    assertThat(ctx.getBean(Scheduler.class).stats().submitted()).isEqualTo(submitted);
                    var health = ctx.getBean(GroupThinkHealthIndicator.class).health();
                    assertThat(health.getStatus().getCode()).isEqualTo("DOWN");
                    assertThat(health.getDetails()).containsEntry("circuitOpen", true)
                            .containsEntry("failedSessions", 2L);
                    assertThat((String) health.getDetails().get("lastError")).contains("simulated native failure");
                });
    }

    @Test
    void failureAnalyzerIsRegistered() {
        // Instantiated by Boot the way it loads every analyzer; those of other modules need context.
        List<org.springframework.boot.diagnostics.FailureAnalyzer> analyzers = org.springframework.core.io.support
                .SpringFactoriesLoader.forDefaultResourceLocation()
                .load(org.springframework.boot.diagnostics.FailureAnalyzer.class, null,
                        org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler
                                .handleMessage((message, failure) -> { }));
        assertThat(analyzers).hasAtLeastOneElementOfType(ModelPathFailureAnalyzer.class)
                .hasAtLeastOneElementOfType(InvalidPropertyFailureAnalyzer.class)
                .hasAtLeastOneElementOfType(InvalidAgentFailureAnalyzer.class);
    }
}
