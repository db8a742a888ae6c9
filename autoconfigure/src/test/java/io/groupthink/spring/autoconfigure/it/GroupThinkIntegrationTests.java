package io.groupthink.spring.autoconfigure.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.actuate.GroupThinkEndpoint;
import io.groupthink.spring.actuate.GroupThinkGauges;
import io.groupthink.spring.actuate.GroupThinkMeters;
import io.groupthink.spring.ai.GroupThinkChatModel;
import io.groupthink.spring.ai.GroupThinkChatOptions;
import io.groupthink.spring.autoconfigure.IntegrationSupport;
import io.groupthink.spring.autoconfigure.SlowHook;
import io.groupthink.spring.autoconfigure.TestModels;
import io.groupthink.spring.client.GroupThinkBusyException;
import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkException;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.client.GroupThinkTimeoutException;
import io.groupthink.spring.client.RoundEvent;
import io.groupthink.spring.client.StructuredOutputException;
import io.groupthink.spring.client.ThinkerToken;
import io.groupthink.spring.session.LiveSession;
import io.groupthink.spring.session.SessionRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.SimpleLoggerAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.observation.conventions.AiObservationAttributes;
import org.springframework.ai.observation.conventions.AiObservationMetricNames;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.Disposable;

/**
 * Real inference on stories260K through every surface of one Boot app: the client (call, stream,
 * entity), Spring AI's ChatClient over the ChatModel (call, stream, advisors, observations), the
 * annotated agents, metrics, health and the endpoint; then overload, time limits and interrupts.
 * The tiny model writes nonsense stories, so the assertions are on structure and real values.
 */
@SpringBootTest(classes = IntegrationApp.class)
class GroupThinkIntegrationTests {

    static final Duration TIME_LIMIT = Duration.ofSeconds(3);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestModels.addStoriesProperties(registry);
        registry.add("resilience4j.bulkhead.instances.groupthink.max-concurrent-calls", () -> "4");
        registry.add("resilience4j.bulkhead.instances.groupthink.max-wait-duration", () -> "0");
        registry.add("resilience4j.timelimiter.instances.groupthink.timeout-duration", () -> TIME_LIMIT.toMillis() + "ms");
        registry.add("resilience4j.circuitbreaker.instances.groupthink.minimum-number-of-calls", () -> "1000");
        registry.add("management.endpoints.web.exposure.include", () -> "health,groupthink");
        registry.add("management.endpoint.health.show-details", () -> "always");
    }

    @Autowired GroupThinkChatClient client;
    @Autowired ChatModel chatModel;
    @Autowired ChatClient.Builder chatClientBuilder;
    @Autowired StoryCouncil council;
    @Autowired Scheduler scheduler;
    @Autowired SessionRegistry registry;
    @Autowired GroupThinkModel model;
    @Autowired MeterRegistry meters;
    @Autowired GroupThinkEndpoint endpoint;
    @Autowired HealthEndpoint healthEndpoint;
    @Autowired BulkheadRegistry bulkheads;
    @Autowired CircuitBreakerRegistry circuitBreakers;

    @AfterEach
    void engineEndsIdle() throws InterruptedException {
        IntegrationSupport.awaitIdle(scheduler, registry);
        assertThat(bulkheads.bulkhead("groupthink").getMetrics().getAvailableConcurrentCalls()).isEqualTo(4);
    }

    // --- GroupThinkChatClient

    @Test
    void clientAnswersWithFourThinkers() {
        GroupThinkResponse r = client.prompt().user("Tom had a red ball.").thinkers(4).maxTokensPerThinker(24).call();

        assertThat(r.thinkers()).hasSize(4);
        assertThat(r.thinkers()).extracting(GroupThinkResponse.ThinkerOutput::thinker).containsExactly(1, 2, 3, 4);
        assertThat(r.thinkers()).allSatisfy(t -> {
            assertThat(t.text()).isNotBlank();
            assertThat(t.tokens()).isBetween(1, 24);
            assertThat(t.finishReason()).isIn(FinishReason.LENGTH, FinishReason.EOS);
        });
        assertThat(r.finalAnswer()).isNotBlank();
        int thinkerTokens = r.thinkers().stream().mapToInt(GroupThinkResponse.ThinkerOutput::tokens).sum();
        assertThat(r.usage().generatedTokens()).isGreaterThan(thinkerTokens);
        assertThat(r.usage().promptTokens()).isPositive();
        assertThat(r.timings().decodeSteps()).isPositive();
        assertThat(r.timings().wallMillis()).isPositive();
        assertThat(r.timings().prefillMillis()).isPositive();
        assertThat(r.timings().kvBytes()).isPositive();
    }

    @Test
    void minTokensKeepsEveryThinkerPastItsStopString() {
        // Stories end sentences within a few tokens: without minTokens "." ends thinkers early.
        GroupThinkResponse free = client.prompt("Tom had a red ball.").thinkers(3).maxTokensPerThinker(20).stop(".")
                .synthesize(false).call();
        assertThat(free.thinkers()).anySatisfy(t -> assertThat(t.tokens()).isLessThan(20));

        GroupThinkResponse held = client.prompt("Tom had a red ball.").thinkers(3).maxTokensPerThinker(20)
                .minTokensPerThinker(20).stop(".").synthesize(false).call();
        assertThat(held.thinkers()).allSatisfy(t -> assertThat(t.tokens()).isEqualTo(20));

        // Spring AI's options carry it too, into a plain chat call
        ChatResponse plain = chatClientBuilder.build().prompt().user("Once upon a time")
                .options(GroupThinkChatOptions.builder().maxTokens(20).minTokens(20).stopSequences(List.of(".")))
                .call().chatResponse();
        assertThat(plain.getMetadata().getUsage().getCompletionTokens()).isEqualTo(20);

        assertThatThrownBy(() -> client.prompt("Tom had a red ball.").thinkers(2).maxTokensPerThinker(8)
                .minTokensPerThinker(9).call()).hasMessageContaining("minTokens");
    }

    @Test
    void streamTagsTokensByThinkerAndAddsUpToTheCall() {
        GroupThinkResponse called = client.prompt("Lily saw a big dog.").call();
        List<ThinkerToken> tokens = client.prompt("Lily saw a big dog.").stream().collectList()
                .block(Duration.ofSeconds(30));

        assertThat(tokens).extracting(ThinkerToken::thinker).containsOnly(0, 1, 2, 3, 4);
        Map<Integer, String> byThinker = tokens.stream().collect(Collectors.groupingBy(ThinkerToken::thinker,
                Collectors.mapping(ThinkerToken::text, Collectors.joining())));
        // Greedy decoding: the stream and the call wrote the same text.
        for (GroupThinkResponse.ThinkerOutput t : called.thinkers()) {
            assertThat(byThinker.get(t.thinker())).isEqualTo(t.text());
        }
        assertThat(byThinker.get(0)).isEqualTo(called.finalAnswer());
        assertThat(tokens.stream().filter(ThinkerToken::finalAnswer)).allMatch(t -> t.thinker() == 0);
        // Tokens of one step come out of one forward pass: the thinkers interleave step by step.
        assertThat(tokens.subList(0, 4)).extracting(ThinkerToken::step).containsOnly(0);
    }

    @Test
    void streamCancelledMidwayCancelsTheEngineSession() throws InterruptedException {
        long completedBefore = scheduler.stats().completed();
        List<ThinkerToken> firstFew = client.prompt("Sam and Sue played.").maxTokensPerThinker(100)
                .stepHook(new SlowHook(2)).stream().take(8).collectList().block(Duration.ofSeconds(30));
        assertThat(firstFew).hasSize(8);
        IntegrationSupport.awaitIdle(scheduler, registry);
        assertThat(scheduler.stats().completed()).isEqualTo(completedBefore + 1);
    }

    /**
     * One field: Spring AI's format instructions (with the JSON schema) take about 400 of the
     * tiny model's 512 positions, so the schema must stay small.
     */
    record Mood(boolean happy) {}

    @Test
    void entityMapsTheFinalAnswerThroughTheRealPath() {
        // The tiny model cannot write JSON, so a hook at the engine boundary scripts the final-answer
        // lane's tokens; prompt building, the scheduler, decoding and BeanOutputConverter are real.
        String json = "{\"happy\": true}";
        int[] ids = model.tokenizer().encode(json, false);
        int stop = model.config().bosTokenId();
        int thinkers = 2;
        StepHook script = new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                return lane == thinkers ? (index < ids.length ? ids[index] : stop) : sampled;
            }
        };
        GroupThinkChatClient.EntityResponse<Mood> r = client.prompt("Tom had a ball.").thinkers(thinkers)
                .maxTokensPerThinker(4).synthesisTokens(ids.length + 2).stepHook(script)
                .responseEntity(Mood.class);

        assertThat(r.entity()).isEqualTo(new Mood(true));
        assertThat(r.response().thinkers()).hasSize(2);
        assertThat(r.response().finalAnswer().strip()).isEqualTo(json);
    }

    @Test
    void entityFromTheTinyModelsOwnWordsFailsWithAClearError() {
        assertThatThrownBy(() -> client.prompt("Tom had a ball.").thinkers(2).maxTokensPerThinker(4)
                .synthesisTokens(8).entity(Mood.class))
                .isInstanceOf(StructuredOutputException.class)
                .hasMessageContaining("not valid JSON for " + Mood.class.getName())
                .hasMessageContaining("the answer was");
    }

    // --- Spring AI ChatModel through ChatClient

    @Test
    void chatClientOverTheChatModelWithAdvisorsAndObservations() {
        assertThat(chatModel).isInstanceOf(GroupThinkChatModel.class);
        AtomicInteger advised = new AtomicInteger();
        CallAdvisor counting = new CallAdvisor() {
            @Override
            public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
                advised.incrementAndGet();
                return chain.nextCall(request);
            }

            @Override
            public String getName() {
                return "counting";
            }

            @Override
            public int getOrder() {
                return 0;
            }
        };
        ChatClient chat = chatClientBuilder.defaultAdvisors(counting, new SimpleLoggerAdvisor()).build();
        long submitted = scheduler.stats().submitted();

        // N = 1 by default: a plain chat call.
        ChatResponse plain = chat.prompt().user("Once upon a time").call().chatResponse();
        assertThat(plain.getResult().getOutput().getText()).isNotBlank();
        assertThat(plain.getMetadata().getUsage().getPromptTokens()).isPositive();
        assertThat(plain.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 24);
        assertThat(plain.getMetadata().<Object>get(GroupThinkChatModel.THINKERS_KEY)).isNull();

        // Group Think through the options: 4 thinkers, one session, the final answer as content.
        ChatResponse group = chat.prompt().system("Be brief.").user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().thinkers(4).maxTokens(16))
                .call().chatResponse();
        List<Map<String, Object>> thinkers = group.getMetadata().get(GroupThinkChatModel.THINKERS_KEY);
        assertThat(thinkers).hasSize(4);
        assertThat(group.getResult().getOutput().getText()).isNotBlank();
        assertThat(group.getMetadata().getUsage().getCompletionTokens())
                .isGreaterThan(thinkers.stream().mapToInt(t -> (Integer) t.get("tokens")).sum());
        assertThat(scheduler.stats().submitted()).isEqualTo(submitted + 2);
        assertThat(advised.get()).isEqualTo(2);

        Timer operation = meters.get(DefaultChatModelObservationConvention.DEFAULT_NAME)
                .tag(AiObservationAttributes.AI_PROVIDER.value(), GroupThinkChatModel.PROVIDER).timer();
        assertThat(operation.count()).isGreaterThanOrEqualTo(2);
        double tokens = meters.get(AiObservationMetricNames.TOKEN_USAGE.value())
                .tag(AiObservationAttributes.AI_PROVIDER.value(), GroupThinkChatModel.PROVIDER).counters().stream()
                .mapToDouble(Counter::count).sum();
        assertThat(tokens).isPositive();
    }

    @Test
    void chatModelStreamsThroughChatClient() {
        ChatClient chat = chatClientBuilder.build();
        String called = chat.prompt().user("Lily saw a big dog.").call().content();
        List<String> chunks = chat.prompt().user("Lily saw a big dog.").stream().content().collectList()
                .block(Duration.ofSeconds(30));
        assertThat(chunks.size()).isGreaterThan(1);
        assertThat(String.join("", chunks)).isEqualTo(called);

        // Group Think streams only the final answer unless asked for the thinkers too.
        ChatResponse last = chat.prompt().user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().thinkers(3).maxTokens(12)).stream().chatResponse()
                .blockLast(Duration.ofSeconds(30));
        assertThat(last.getMetadata().getUsage().getTotalTokens()).isPositive();
        assertThat(last.getResult().getMetadata().getFinishReason()).isIn("stop", "length");
    }

    @Test
    void chatModelReasonsInRoundsThroughTheOptions() {
        ChatClient chat = chatClientBuilder.build();
        RoundOptions twoRounds = RoundOptions.of(2, 6, 4, 1).withFinalMarker(null);
        double operationsBefore = chatModelOperations();
        double roundsBefore = roundsRecorded();

        ChatResponse called = chat.prompt().user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().thinkers(2).rounds(twoRounds)).call().chatResponse();
        List<Map<String, Object>> rounds = called.getMetadata().get(GroupThinkChatModel.ROUNDS_KEY);
        assertThat(rounds).hasSize(2).allSatisfy(r -> assertThat((Integer) r.get("segmentTokens")).isBetween(1, 12));
        String answer = called.getResult().getOutput().getText();
        assertThat(answer).isNotBlank();
        int segmentAndSummaryTokens = rounds.stream()
                .mapToInt(r -> (Integer) r.get("segmentTokens") + (Integer) r.get("summaryTokens")).sum();
        assertThat(called.getMetadata().getUsage().getCompletionTokens()).as("and the final answer's")
                .isGreaterThan(segmentAndSummaryTokens);
        assertThat(chatModelOperations()).as("observed like any ChatModel call").isEqualTo(operationsBefore + 1);

        // Streamed: the final answer's tokens add up to the call's reply (greedy decoding); the last chunk has the usage.
        List<ChatResponse> chunks = chat.prompt().user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().thinkers(2).rounds(twoRounds)).stream().chatResponse()
                .collectList().block(Duration.ofSeconds(30));
        assertThat(chunks.stream().map(c -> c.getResult().getOutput().getText()).collect(Collectors.joining()))
                .isEqualTo(answer);
        ChatResponse last = chunks.get(chunks.size() - 1);
        assertThat(last.getMetadata().getUsage().getTotalTokens())
                .isEqualTo(called.getMetadata().getUsage().getTotalTokens());
        assertThat(last.getMetadata().<List<?>>get(GroupThinkChatModel.ROUNDS_KEY)).hasSize(2);

        // One thinker in rounds is a session in rounds too, not plain chat.
        ChatResponse one = chat.prompt().user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().thinkers(1).rounds(twoRounds)).call().chatResponse();
        assertThat(one.getMetadata().<List<?>>get(GroupThinkChatModel.ROUNDS_KEY)).hasSize(2);

        assertThatThrownBy(() -> chat.prompt().user("Tom had a red ball.")
                .options(GroupThinkChatOptions.builder().rounds(RoundOptions.of(2, 4, 4, 5))).call().content())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("carry tokens (m) must be between 0 and the segment's 4 tokens");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (roundsRecorded() < roundsBefore + 3 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(roundsRecorded()).isEqualTo(roundsBefore + 3);
    }

    private double chatModelOperations() {
        Timer t = meters.find(DefaultChatModelObservationConvention.DEFAULT_NAME)
                .tag(AiObservationAttributes.AI_PROVIDER.value(), GroupThinkChatModel.PROVIDER).timer();
        return t == null ? 0 : t.count();
    }

    // --- annotated agents

    @Test
    void agentGroupCallRunsOneSessionWithAThinkerPerRole() {
        long before = scheduler.stats().submitted();
        StoryCouncil.Council c = council.council("Tom had a red ball.");
        assertThat(scheduler.stats().submitted()).as("one session for the whole group").isEqualTo(before + 1);

        assertThat(c.response().thinkers()).hasSize(3);
        assertThat(c.response().thinkers()).extracting(GroupThinkResponse.ThinkerOutput::role)
                .containsExactly("tell how it starts", "tell what happens", "tell how it ends");
        assertThat(c.start()).isEqualTo(c.response().thinkers().get(0).text());
        assertThat(c.middle()).isEqualTo(c.response().thinkers().get(1).text());
        assertThat(c.end()).isEqualTo(c.response().thinkers().get(2).text());
        assertThat(c.response().thinkers()).allSatisfy(t -> assertThat(t.tokens()).isBetween(1, 16));

        Map<String, Object> map = council.asMap("Tom had a red ball.");
        assertThat(map).containsOnlyKeys("start", "middle", "end");
        assertThat(map.get("start")).isEqualTo(c.start()); // greedy: same session, same words
        assertThat(council.end("Tom had a red ball.")).isEqualTo(c.end());
        assertThat(council.councilLength("Tom had a red ball."))
                .isEqualTo(c.start().length() + c.middle().length() + c.end().length());
        assertThat(scheduler.stats().submitted()).isEqualTo(before + 4);
    }

    @Test
    void groupThinkMethodRunsOneSessionOfNThinkers() {
        long before = scheduler.stats().submitted();
        GroupThinkResponse r = council.brainstormResponse("A bird sang.");
        assertThat(r.thinkers()).hasSize(4);
        assertThat(r.finalAnswer()).isNotBlank();
        assertThat(council.brainstorm("A bird sang.")).isEqualTo(r.finalAnswer());
        assertThat(scheduler.stats().submitted()).isEqualTo(before + 2);
    }

    // --- metrics, health, endpoint, observed while a session is held mid-run

    @Test
    void metersHealthAndEndpointShowARunningSession() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        int pauseAt = 5;
        StepHook pause = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                if (lane == 0 && index == pauseAt) {
                    reached.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        double tokensBefore = tokensCounted();
        long stepsBefore = meters.get(GroupThinkMeters.STEP_LATENCY).timer().count();
        AtomicReference<GroupThinkResponse> done = new AtomicReference<>();
        Thread caller = new Thread(() -> done.set(client.prompt("Max found a box.").stepHook(pause).call()));
        caller.start();
        try {
            assertThat(reached.await(20, TimeUnit.SECONDS)).isTrue();

            assertThat(meters.get(GroupThinkGauges.ACTIVE_SESSIONS).gauge().value()).isEqualTo(1);
            assertThat(meters.get(GroupThinkGauges.KV_BYTES).gauge().value()).isPositive();
            assertThat(meters.get(GroupThinkGauges.KV_TOKENS).gauge().value()).isPositive();
            assertThat(meters.get(GroupThinkGauges.QUEUED_SESSIONS).gauge().value()).isZero();

            // token events reach the registry through the session's outbox, off the engine thread:
            // the paused engine has produced pauseAt tokens per lane, and the registry catches up
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && !endpoint.groupThink().sessions().isEmpty()
                    && endpoint.groupThink().sessions().get(0).lanes().get(0).tokens() < pauseAt) {
                Thread.sleep(10);
            }
            GroupThinkEndpoint.GroupThinkDescriptor d = endpoint.groupThink();
            assertThat(d.model().type()).isEqualTo("llama");
            assertThat(d.model().contextLength()).isEqualTo(512);
            assertThat(d.model().loaded()).isTrue();
            assertThat(d.engine().alive()).isTrue();
            assertThat(d.engine().activeSessions()).isEqualTo(1);
            assertThat(d.engine().kvTokensInUse()).isPositive();
            assertThat(d.sessions()).hasSize(1);
            GroupThinkEndpoint.SessionDescriptor s = d.sessions().get(0);
            assertThat(s.surface()).isEqualTo("client");
            assertThat(s.state()).isEqualTo("running");
            assertThat(s.question()).isEqualTo("Max found a box.");
            assertThat(s.thinkers()).isEqualTo(4);
            assertThat(s.lanes()).hasSize(5); // 4 thinkers and the final answer
            assertThat(s.lanes().subList(0, 4)).allSatisfy(l -> {
                assertThat(l.tokens()).isEqualTo(pauseAt);
                assertThat(l.budget()).isEqualTo(24);
                assertThat(l.finish()).isNull();
            });
            assertThat(s.lanes().get(4).synthesis()).isTrue();
            assertThat(s.lanes().get(4).tokens()).isZero();
            assertThat(endpoint.session(s.id())).isNotNull();

            IndicatedHealthDescriptor health = (IndicatedHealthDescriptor) healthEndpoint.healthForPath("groupthink");
            assertThat(health.getStatus().getCode()).isEqualTo("UP");
            assertThat(health.getDetails()).containsEntry("modelLoaded", true).containsEntry("engineAlive", true)
                    .containsEntry("activeSessions", 1);
        } finally {
            release.countDown();
        }
        caller.join(20_000);
        GroupThinkResponse r = done.get();
        assertThat(r).isNotNull();
        // engine listeners (the meters) hear an outcome just after the caller's future completes: wait for them
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (tokensCounted() - tokensBefore < r.usage().generatedTokens() && System.nanoTime() < until) {
            Thread.sleep(5);
        }

        assertThat(tokensCounted() - tokensBefore).isEqualTo(r.usage().generatedTokens());
        assertThat(meters.get(GroupThinkMeters.STEP_LATENCY).timer().count() - stepsBefore)
                .isEqualTo(r.timings().decodeSteps() + 1);
        assertThat(meters.get(GroupThinkMeters.STEP_LATENCY).timer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(meters.get(GroupThinkMeters.QUEUE_WAIT).timer().count()).isPositive();
        assertThat(meters.get(GroupThinkMeters.SESSION_DURATION).tag("mode", "group_think").tag("thinkers", "4")
                .timer().count()).isPositive();
        assertThat(meters.get(GroupThinkMeters.SESSIONS).tag("outcome", "completed").counter().count()).isPositive();
        assertThat(meters.get(GroupThinkMeters.STEP_ROWS).summary().max()).isPositive();
        IntegrationSupport.awaitIdle(scheduler, registry);
        assertThat(meters.get(GroupThinkGauges.ACTIVE_SESSIONS).gauge().value()).isZero();
        assertThat(meters.get(GroupThinkGauges.KV_BYTES).gauge().value()).isZero();
        assertThat(endpoint.groupThink().sessions()).isEmpty();
    }

    private double tokensCounted() {
        return meters.find(GroupThinkMeters.TOKENS).tag("mode", "group_think").tag("thinkers", "4").counters()
                .stream().mapToDouble(Counter::count).sum();
    }

    // --- sessions in rounds: the same registry, guard, time limit and meters as any call

    /**
     * A small session in rounds, well inside the 3 s time limit on a busy machine: 2 thinkers, 2
     * rounds of 6 tokens, 4-token summaries, 2 tokens carried, an 8-token final answer.
     */
    private GroupThinkChatClient.PromptSpec inRounds(String question) {
        return client.prompt(question).thinkers(2).rounds(2).segmentTokens(6).summaryTokens(4).carryTokens(2)
                .synthesisTokens(8);
    }

    @Test
    void roundSessionIsListedHoldsASeatAndIsCancelledFromTheEndpoint() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger roundStarts = new AtomicInteger();
        StepHook pause = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                if (lane == 0 && index == 0 && roundStarts.incrementAndGet() == 2) { // round 2's first token
                    reached.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                inRounds("Max found a box.").synthesize(false).stepHook(pause).callInRounds();
            } catch (Throwable t) {
                error.set(t);
            }
        });
        caller.start();
        GroupThinkEndpoint.SessionDescriptor s;
        try {
            assertThat(reached.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(bulkheads.bulkhead("groupthink").getMetrics().getAvailableConcurrentCalls())
                    .as("one seat for the whole session in rounds").isEqualTo(3);
            List<GroupThinkEndpoint.SessionDescriptor> listed = endpoint.groupThink().sessions();
            assertThat(listed).as("one entry however many engine sessions its rounds run").hasSize(1);
            s = listed.get(0);
            assertThat(s.surface()).isEqualTo("client");
            assertThat(s.question()).isEqualTo("Max found a box.");
            assertThat(s.state()).isEqualTo("running");
            assertThat(s.rounds()).isEqualTo(new LiveSession.RoundProgress(2, 2,
                    "segment"));
            assertThat(s.lanes()).hasSize(2).allSatisfy(l -> assertThat(l.budget()).isEqualTo(6));
            assertThat(endpoint.session(s.id())).isNotNull();

            assertThat(endpoint.cancel(s.id()).cancelled()).isTrue();
        } finally {
            release.countDown();
        }
        caller.join(20_000);
        assertThat(error.get()).isInstanceOf(CancellationException.class)
                .hasMessageContaining("cancelled after round 1");
        IntegrationSupport.awaitIdle(scheduler, registry);
        assertThat(endpoint.session(s.id())).isNull();
        assertThat(endpoint.cancel(s.id()).cancelled()).isFalse();
    }

    @Test
    void roundSessionIsRejectedWhenTheBulkheadIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        StepHook hold = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Bulkhead bulkhead = bulkheads.bulkhead("groupthink");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<GroupThinkResponse>> held = new ArrayList<>();
        long submitted = scheduler.stats().submitted() + 4;
        try {
            for (int i = 0; i < 4; i++) {
                held.add(pool.submit(() -> client.prompt("Sam and Sue played.").thinkers(1).maxTokensPerThinker(2)
                        .synthesize(false).stepHook(hold).call()));
            }
            // a seat is taken before its session is submitted: wait for both
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((bulkhead.getMetrics().getAvailableConcurrentCalls() > 0 || scheduler.stats().submitted() < submitted)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isZero();

            assertThatThrownBy(() -> inRounds("Tom had a red ball.").callInRounds())
                    .isInstanceOf(GroupThinkBusyException.class)
                    .hasMessageContaining("limit of 4 concurrent sessions")
                    .hasMessageContaining("resilience4j.bulkhead.instances.groupthink.max-concurrent-calls");
            assertThatThrownBy(() -> inRounds("Tom had a red ball.").streamInRounds().blockLast(Duration.ofSeconds(5)))
                    .isInstanceOf(GroupThinkBusyException.class);
            assertThat(scheduler.stats().submitted()).as("nothing reached the engine").isEqualTo(submitted);
            assertThat(registry.size()).isEqualTo(4);
        } finally {
            release.countDown();
            for (Future<GroupThinkResponse> f : held) {
                f.get(20, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
    }

    @Test
    void roundSessionIsMeteredAndCountedByTheCircuitBreaker() throws Exception {
        double roundsBefore = roundsRecorded();
        double summaryBefore = summaryTokensCounted();
        double tokensBefore = allTokensCounted();
        long successesBefore = circuitBreakers.circuitBreaker("groupthink").getMetrics().getNumberOfSuccessfulCalls();

        RoundsResult r = inRounds("Lily saw a big dog.").callInRounds();

        assertThat(r.rounds()).hasSize(2);
        assertThat(circuitBreakers.circuitBreaker("groupthink").getMetrics().getNumberOfSuccessfulCalls())
                .as("one guarded call").isEqualTo(successesBefore + 1);
        // The meters hear the rounds' listener and the engine's events just after the caller's result: wait for them.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((roundsRecorded() == roundsBefore || allTokensCounted() - tokensBefore < r.generatedTokens())
                && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(roundsRecorded()).isEqualTo(roundsBefore + 1);
        assertThat(meters.get(GroupThinkMeters.ROUNDS).summary().max()).isGreaterThanOrEqualTo(2);
        assertThat(summaryTokensCounted() - summaryBefore).isEqualTo(r.summaryTokens()).isPositive();
        assertThat(allTokensCounted() - tokensBefore).as("segments, summaries and the final answer")
                .isEqualTo(r.generatedTokens());
    }

    private double roundsRecorded() {
        var summary = meters.find(GroupThinkMeters.ROUNDS).summary();
        return summary == null ? 0 : summary.count();
    }

    private double summaryTokensCounted() {
        var counter = meters.find(GroupThinkMeters.SUMMARY_TOKENS).counter();
        return counter == null ? 0 : counter.count();
    }

    private double allTokensCounted() {
        return meters.find(GroupThinkMeters.TOKENS).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void roundStreamEmitsEachRoundInOrderAndMatchesTheCall() {
        RoundsResult called = inRounds("Lily saw a big dog.").callInRounds();
        List<RoundEvent> events = inRounds("Lily saw a big dog.").streamInRounds().collectList()
                .block(Duration.ofSeconds(30));

        assertThat(events).last().isInstanceOf(RoundEvent.Completed.class);
        RoundsResult streamed = ((RoundEvent.Completed) events.get(events.size() - 1))
                .result();
        assertThat(streamed.rounds()).hasSize(called.rounds().size());
        // Per round: start, then thinker tokens, then summary tokens, the summary and the end, in that order.
        List<String> shape = new ArrayList<>();
        for (RoundEvent e : events) {
            String kind = e.getClass().getSimpleName();
            if (shape.isEmpty() || !shape.get(shape.size() - 1).equals(kind)) {
                shape.add(kind);
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < called.rounds().size(); i++) {
            expected.addAll(List.of("RoundStarted", "Token", "SummaryToken", "Summary", "RoundEnded"));
        }
        expected.addAll(List.of("FinalToken", "Completed"));
        assertThat(shape).isEqualTo(expected);
        for (RoundsResult.Round round : called.rounds()) {
            int r = round.index();
            for (int n = 0; n < round.segments().size(); n++) {
                int thinker = n + 1;
                String text = events.stream().filter(e -> e instanceof RoundEvent.Token t && t.round() == r
                        && t.thinker() == thinker).map(e -> ((RoundEvent.Token) e).text()).collect(Collectors.joining());
                // Greedy decoding: the stream wrote what the call wrote.
                assertThat(text).isEqualTo(round.segments().get(n).text());
            }
            assertThat(events).contains(new RoundEvent.Summary(r, round.summary()));
            assertThat(events.stream().filter(e -> e instanceof RoundEvent.RoundStarted st && st.round() == r)
                    .map(e -> ((RoundEvent.RoundStarted) e).question())).containsExactly(round.question());
        }
        String answer = events.stream().filter(e -> e instanceof RoundEvent.FinalToken)
                .map(e -> ((RoundEvent.FinalToken) e).text()).collect(Collectors.joining());
        assertThat(answer).isEqualTo(called.finalAnswer()).isEqualTo(streamed.finalAnswer());
    }

    @Test
    void oneSummaryPerThinkerStreamsEachThinkersNotesTaggedByThinker() {
        List<RoundEvent> events = inRounds("Lily saw a big dog.").rounds(1).synthesize(false).summaryPerThinker(true)
                .finalMarker(null).streamInRounds().collectList().block(Duration.ofSeconds(30));
        RoundsResult r = ((RoundEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(r.rounds().get(0).summaries()).hasSize(2);
        for (int thinker = 1; thinker <= 2; thinker++) {
            int t = thinker;
            String notes = events.stream().filter(e -> e instanceof RoundEvent.SummaryToken s && s.thinker() == t)
                    .map(e -> ((RoundEvent.SummaryToken) e).text()).collect(Collectors.joining());
            assertThat(notes).as("thinker %d's notes", t).isEqualTo(r.rounds().get(0).summaries().get(t - 1).text());
        }
        assertThat(events).noneMatch(e -> e instanceof RoundEvent.SummaryToken s && s.thinker() == 0);
        assertThat(r.rounds().get(0).summary()).contains("Thinker1: ").contains("Thinker2: ");
    }

    @Test
    void roundStreamCancelledMidwayCancelsTheSession() throws InterruptedException {
        List<RoundEvent> firstFew = inRounds("Sam and Sue played.").stepHook(new SlowHook(2)).streamInRounds()
                .take(5).collectList().block(Duration.ofSeconds(30));
        assertThat(firstFew).hasSize(5);
        IntegrationSupport.awaitIdle(scheduler, registry); // and the seat is back (checked after each test)
    }

    @Test
    void timeLimitCancelsASessionInRounds() throws Exception {
        long t0 = System.nanoTime();
        // 2 lanes x 40 ms per token x 6 tokens x 20 rounds is about 10 s, past the 3 s limit.
        assertThatThrownBy(() -> client.prompt("Tom had a red ball.").thinkers(2).rounds(20).segmentTokens(6)
                .summaryTokens(4).stepHook(new SlowHook(40)).callInRounds())
                .isInstanceOf(GroupThinkTimeoutException.class)
                .hasMessageContaining("exceeded its time limit of 3000 ms and was cancelled");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(TIME_LIMIT.minusMillis(100),
                TIME_LIMIT.plusSeconds(1));
        IntegrationSupport.awaitIdle(scheduler, registry);
        assertThat(scheduler.stats().kvTokensInUse()).isZero();
    }

    // --- overload, time limits, interrupts

    @Test
    void thirtyTwoConcurrentCallsAgainstABulkheadOfFourCompleteOrAreRejectedClearly() throws Exception {
        int calls = 32;
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Outcome>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    long t0 = System.nanoTime();
                    try {
                        GroupThinkResponse r = client.prompt("Sam and Sue played.").thinkers(4).maxTokensPerThinker(24)
                                .call();
                        return new Outcome(r, null, System.nanoTime() - t0);
                    } catch (RuntimeException e) {
                        return new Outcome(null, e, System.nanoTime() - t0);
                    }
                }));
            }
            start.countDown();
            int completed = 0;
            int rejected = 0;
            int timedOut = 0;
            for (Future<Outcome> f : futures) {
                Outcome o = f.get(TIME_LIMIT.toMillis() + 10_000, TimeUnit.MILLISECONDS); // none hangs
                assertThat(Duration.ofNanos(o.nanos())).isLessThan(TIME_LIMIT.plusSeconds(1));
                if (o.error() == null) {
                    completed++;
                    assertThat(o.response().thinkers()).hasSize(4);
                } else if (o.error() instanceof GroupThinkTimeoutException) {
                    timedOut++; // only on a machine too loaded to finish 4 tiny sessions in 3 s
                } else {
                    rejected++;
                    assertThat(o.error()).isInstanceOf(GroupThinkBusyException.class)
                            .hasMessageContaining("limit of 4 concurrent sessions")
                            .hasMessageContaining("resilience4j.bulkhead.instances.groupthink.max-concurrent-calls");
                }
            }
            assertThat(completed + rejected + timedOut).isEqualTo(calls);
            assertThat(completed + timedOut).as("the 4 seats were used").isGreaterThanOrEqualTo(4);
            assertThat(completed).isPositive();
            assertThat(rejected).isPositive();
        } finally {
            pool.shutdownNow();
        }
        Bulkhead bulkhead = bulkheads.bulkhead("groupthink");
        assertThat(bulkhead.getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(4);
    }

    record Outcome(GroupThinkResponse response, RuntimeException error, long nanos) {}

    @Test
    void timeLimitCancelsTheEngineSessionNotJustTheCaller() throws Exception {
        EngineStats before = scheduler.stats();
        long t0 = System.nanoTime();
        // 4 lanes x 40 ms per token: the full budget would take about 5 s, past the 3 s limit.
        assertThatThrownBy(() -> client.prompt("Tom had a red ball.").synthesize(false)
                .stepHook(new SlowHook(40)).call())
                .isInstanceOf(GroupThinkTimeoutException.class)
                .hasMessageContaining("exceeded its time limit of 3000 ms and was cancelled");
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(waited).isBetween(TIME_LIMIT.minusMillis(100), TIME_LIMIT.plusSeconds(1));

        // The engine stops the session at its next step and frees its KV memory.
        IntegrationSupport.awaitIdle(scheduler, registry);
        EngineStats after = scheduler.stats();
        assertThat(after.completed()).isEqualTo(before.completed() + 1);
        assertThat(after.steps() - before.steps()).as("stopped well before its 24-token budget").isLessThan(24);
        assertThat(after.kvTokensInUse()).isZero();
        assertThat(meters.get("resilience4j.timelimiter.calls").tag("name", "groupthink").tag("kind", "timeout")
                .counter().count()).isPositive();
    }

    @Test
    void timeLimitAlsoCancelsAStream() throws Exception {
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<ThinkerToken> seen = new ArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        Disposable d = client.prompt("Tom had a red ball.").synthesize(false).stepHook(new SlowHook(40)).stream()
                .subscribe(seen::add, e -> {
                    error.set(e);
                    ended.countDown();
                }, ended::countDown);
        assertThat(ended.await(TIME_LIMIT.toMillis() + 2000, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(error.get()).isInstanceOf(GroupThinkTimeoutException.class);
        assertThat(seen).isNotEmpty().hasSizeLessThan(4 * 24);
        assertThat(d.isDisposed()).isTrue();
    }

    @Test
    void interruptedCallerReturnsPromptlyWithItsFlagSet() throws Exception {
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                client.prompt("Tom had a red ball.").synthesize(false).stepHook(new SlowHook(20)).call();
            } catch (RuntimeException e) {
                error.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        caller.interrupt();
        caller.join(2000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(error.get()).isInstanceOf(GroupThinkException.class).hasMessageContaining("interrupted");
        assertThat(flag.get()).isTrue();
    }
}
