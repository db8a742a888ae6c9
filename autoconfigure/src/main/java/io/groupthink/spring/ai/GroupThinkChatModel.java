package io.groupthink.spring.ai;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkSpan;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.spring.client.GroupThinkException;
import io.groupthink.spring.client.GroupThinkUnavailableException;
import io.groupthink.spring.client.RoundEvent;
import io.groupthink.spring.session.GroupThinkEvent;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.RequestOptions;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.MessageAggregator;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.util.Assert;
import reactor.core.publisher.Flux;

/**
 * A Spring AI {@link ChatModel} backed by the Group Think engine. By default it is a plain chat
 * model (one thinker, the conversation rendered by the model's chat template); options with
 * {@code thinkers > 1} (or roles) make that call a Group Think session, whose final answer is the
 * reply; options with {@code rounds} make it a session in rounds (InftyThink), whose final answer
 * (or, without one, last round's notes) is the reply. Calls are observed like every Spring AI model ({@code gen_ai.client.operation},
 * {@code gen_ai.client.token.usage}), and go through the same {@link GroupThinkSessions} as the
 * other surfaces: same bulkhead, time limit, metrics and endpoint.
 *
 * <p>When a fallback model is given, calls that the engine cannot serve (circuit open, engine
 * failure) go to it; overload ({@code GroupThinkBusyException}) and time-outs do not, so they stay
 * visible to the caller.
 */
public class GroupThinkChatModel implements ChatModel {

    public static final String PROVIDER = "groupthink";

    /** Keys in the response metadata. */
    public static final String THINKERS_KEY = "groupthink.thinkers";
    public static final String SESSION_KEY = "groupthink.session";
    public static final String DECODE_STEPS_KEY = "groupthink.decode-steps";
    public static final String WALL_MILLIS_KEY = "groupthink.wall-millis";
    /** Time in the prefill passes (every chunk), as the session timed it. */
    public static final String PREFILL_MILLIS_KEY = "groupthink.prefill-millis";
    /** Time in the decode steps, as the session timed it. */
    public static final String DECODE_MILLIS_KEY = "groupthink.decode-millis";
    public static final String FALLBACK_KEY = "groupthink.fallback";
    /** A session in rounds: each round's notes, tokens and K/V slots. */
    public static final String ROUNDS_KEY = "groupthink.rounds";

    static final String SURFACE = "chat-model";

    private static final Logger log = LoggerFactory.getLogger(GroupThinkChatModel.class);

    private static final ChatModelObservationConvention DEFAULT_OBSERVATION_CONVENTION =
            new DefaultChatModelObservationConvention();

    private final GroupThinkSessions sessions;
    private final GroupThinkChatOptions defaultOptions;
    private final ObservationRegistry observationRegistry;
    private final ChatModel fallback;
    private ChatModelObservationConvention observationConvention = DEFAULT_OBSERVATION_CONVENTION;

    public GroupThinkChatModel(GroupThinkSessions sessions, GroupThinkChatOptions defaultOptions,
            ObservationRegistry observationRegistry, ChatModel fallback) {
        Assert.notNull(sessions, "sessions must not be null");
        Assert.notNull(defaultOptions, "defaultOptions must not be null");
        this.sessions = sessions;
        this.defaultOptions = defaultOptions;
        this.observationRegistry = observationRegistry == null ? ObservationRegistry.NOOP : observationRegistry;
        this.fallback = fallback;
    }

    public void setObservationConvention(ChatModelObservationConvention observationConvention) {
        Assert.notNull(observationConvention, "observationConvention cannot be null");
        this.observationConvention = observationConvention;
    }

    @Override
    public ChatOptions getOptions() {
        return defaultOptions.mutate().build();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        Prompt request = withMergedOptions(prompt);
        GroupThinkChatOptions options = (GroupThinkChatOptions) request.getOptions();
        ChatModelObservationContext context = ChatModelObservationContext.builder()
                .prompt(request)
                .provider(PROVIDER)
                .build();
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_OBSERVATION_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    ChatResponse response;
                    try {
                        response = doCall(request, options);
                    } catch (GroupThinkException e) {
                        if (!fallbackApplies(e)) {
                            throw e;
                        }
                        log.warn("Group Think cannot serve the call ({}); using the fallback chat model", e.getMessage());
                        response = fallback.call(forFallback(request));
                    }
                    context.setResponse(response);
                    return response;
                });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.deferContextual(contextView -> {
            Prompt request = withMergedOptions(prompt);
            GroupThinkChatOptions options = (GroupThinkChatOptions) request.getOptions();
            ChatModelObservationContext context = ChatModelObservationContext.builder()
                    .prompt(request)
                    .provider(PROVIDER)
                    .streaming(true)
                    .build();
            Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION.observation(
                    observationConvention, DEFAULT_OBSERVATION_CONVENTION, () -> context, observationRegistry);
            Observation parent = contextView.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
            observation.parentObservation(parent);
            try (Observation.Scope ignored = parent != null ? parent.openScope() : Observation.Scope.NOOP) {
                observation.start();
            }
            Flux<ChatResponse> responses = doStream(request, options).onErrorResume(GroupThinkException.class, e -> {
                if (!fallbackApplies(e)) {
                    return Flux.error(e);
                }
                log.warn("Group Think cannot serve the stream ({}); using the fallback chat model", e.getMessage());
                return fallback.stream(forFallback(request));
            })
                    .doOnError(observation::error)
                    .doFinally(s -> observation.stop())
                    .contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation));
            return new MessageAggregator().aggregate(responses, context::setResponse);
        });
    }

    private boolean fallbackApplies(GroupThinkException e) {
        return fallback != null && (e instanceof GroupThinkUnavailableException || e.getClass() == GroupThinkException.class);
    }

    /** The fallback gets the conversation without our options, which it would not understand. */
    private static Prompt forFallback(Prompt prompt) {
        return new Prompt(prompt.getInstructions());
    }

    /** Request options over the model's defaults, as Spring AI's ChatClient merges them. */
    Prompt withMergedOptions(Prompt prompt) {
        GroupThinkChatOptions.Builder merged = defaultOptions.mutate();
        if (prompt.getOptions() != null) {
            merged.combineWith(prompt.getOptions().mutate());
        }
        return prompt.mutate().chatOptions(merged.build()).build();
    }

    private ChatResponse doCall(Prompt prompt, GroupThinkChatOptions options) {
        Plan plan = plan(prompt, options);
        if (options.getRounds() != null) {
            return toResponse(sessions.callInRounds(plan.request, options.getRounds(), null, null, SURFACE), options);
        }
        GroupThinkResult result = plan.group
                ? sessions.call(plan.request, StepHook.NONE, SURFACE)
                : sessions.chat(plan.messages, plan.request, StepHook.NONE, SURFACE);
        return toResponse(plan, result, options);
    }

    private Flux<ChatResponse> doStream(Prompt prompt, GroupThinkChatOptions options) {
        Plan plan = plan(prompt, options);
        if (options.getRounds() != null) {
            return streamInRounds(plan, options);
        }
        Flux<GroupThinkEvent> events = plan.group
                ? sessions.stream(plan.request, StepHook.NONE, SURFACE)
                : sessions.streamChat(plan.messages, plan.request, StepHook.NONE, SURFACE);
        boolean finalOnly = plan.request.synthesize() && !Boolean.TRUE.equals(options.getStreamThinkers());
        String model = modelName(options);
        return events.concatMap(event -> {
            if (event instanceof GroupThinkEvent.Token t) {
                if (finalOnly && !t.synthesis()) {
                    return Flux.empty();
                }
                ChatGenerationMetadata metadata = ChatGenerationMetadata.builder()
                        .metadata("thinker", t.thinker())
                        .metadata("step", t.step())
                        .metadata("finalAnswer", t.synthesis())
                        .build();
                ChatResponseMetadata responseMetadata = ChatResponseMetadata.builder()
                        .id("groupthink-" + t.session()).model(model).build();
                return Flux.just(new ChatResponse(
                        List.of(new Generation(new AssistantMessage(t.text()), metadata)), responseMetadata));
            }
            GroupThinkResult result = ((GroupThinkEvent.Completed) event).result();
            // The last chunk carries no text, only why it stopped and the usage, as providers do.
            Generation last = new Generation(new AssistantMessage(""),
                    ChatGenerationMetadata.builder().finishReason(finishReason(plan, result)).build());
            return Flux.just(new ChatResponse(List.of(last), metadata(plan, result, options)));
        });
    }

    /**
     * A session in rounds, streamed: the final answer's tokens (with {@code streamThinkers} every
     * round's thinker tokens too, tagged by round), then a last chunk with why it stopped and the
     * usage; without a final answer that chunk carries the last round's notes, as the call replies.
     */
    private Flux<ChatResponse> streamInRounds(Plan plan, GroupThinkChatOptions options) {
        boolean thinkersToo = Boolean.TRUE.equals(options.getStreamThinkers());
        return sessions.streamInRounds(plan.request, options.getRounds(), null, SURFACE).concatMap(event -> {
            if (event instanceof RoundEvent.FinalToken t) {
                return Flux.just(new ChatResponse(List.of(new Generation(new AssistantMessage(t.text()),
                        ChatGenerationMetadata.builder().metadata("thinker", 0).metadata("step", t.step())
                                .metadata("finalAnswer", true).build()))));
            }
            if (thinkersToo && event instanceof RoundEvent.Token t) {
                return Flux.just(new ChatResponse(List.of(new Generation(new AssistantMessage(t.text()),
                        ChatGenerationMetadata.builder().metadata("round", t.round()).metadata("thinker", t.thinker())
                                .metadata("step", t.step()).metadata("finalAnswer", false).build()))));
            }
            if (event instanceof RoundEvent.Completed c) {
                RoundsResult r = c.result();
                String text = r.finalAnswer() != null || r.rounds().isEmpty() ? ""
                        : r.rounds().get(r.rounds().size() - 1).summary();
                Generation last = new Generation(new AssistantMessage(text),
                        ChatGenerationMetadata.builder().finishReason(finishReason(r)).build());
                return Flux.just(new ChatResponse(List.of(last), metadata(r, options)));
            }
            return Flux.empty();
        });
    }

    /** What to run: a plain chat session (one thinker) or a Group Think session. */
    private record Plan(boolean group, GroupThinkRequest request, List<ChatTemplate.Message> messages) {}

    private Plan plan(Prompt prompt, GroupThinkChatOptions options) {
        if (options.getFrequencyPenalty() != null && options.getFrequencyPenalty() != 0) {
            throw new IllegalArgumentException("frequencyPenalty is not supported by Group Think; use repetitionPenalty");
        }
        if (options.getPresencePenalty() != null && options.getPresencePenalty() != 0) {
            throw new IllegalArgumentException("presencePenalty is not supported by Group Think; use repetitionPenalty");
        }
        RequestOptions.Builder o = options.toRequestOptions();
        List<String> roles = options.getRoles();
        boolean group = (roles != null && !roles.isEmpty()) || options.getRounds() != null
                || (options.getThinkers() != null && options.getThinkers() > 1);
        if (!group) {
            // Plain chat: one lane over the rendered conversation; only budget, sampling and stop apply.
            GroupThinkRequest request = sessions.request(question(prompt),
                    o.thinkers(1).mode(Mode.COT).synthesize(false).build());
            return new Plan(false, request, messages(prompt));
        }
        return new Plan(true, sessions.request(question(prompt), o.system(system(prompt)).build()), List.of());
    }

    /** The conversation for the chat template; tool results go in as their own role. */
    private static List<ChatTemplate.Message> messages(Prompt prompt) {
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (Message m : prompt.getInstructions()) {
            out.add(new ChatTemplate.Message(m.getMessageType().getValue(), m.getText() == null ? "" : m.getText()));
        }
        return out;
    }

    /** The thinkers' question: the user turn, or the whole exchange when there were earlier turns. */
    private static String question(Prompt prompt) {
        List<Message> turns = prompt.getInstructions().stream()
                .filter(m -> m.getMessageType() != MessageType.SYSTEM)
                .toList();
        if (turns.size() == 1) {
            return turns.get(0).getText();
        }
        StringBuilder sb = new StringBuilder();
        for (Message m : turns) {
            String who = m.getMessageType() == MessageType.USER ? "User" : m.getMessageType() == MessageType.ASSISTANT
                    ? "Assistant" : "Tool";
            sb.append(who).append(": ").append(m.getText()).append('\n');
        }
        return sb.toString().strip();
    }

    private static String system(Prompt prompt) {
        StringBuilder sb = new StringBuilder();
        for (Message m : prompt.getInstructions()) {
            if (m.getMessageType() == MessageType.SYSTEM && m.getText() != null && !m.getText().isBlank()) {
                if (!sb.isEmpty()) {
                    sb.append("\n\n");
                }
                sb.append(m.getText());
            }
        }
        return sb.toString();
    }

    private ChatResponse toResponse(Plan plan, GroupThinkResult result, GroupThinkChatOptions options) {
        String text = result.finalAnswer() != null ? ThinkSpan.visible(result.finalAnswer())
                : plan.group ? result.jointText() : result.thinkers().get(0).text();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(SESSION_KEY, result.session());
        if (plan.group) {
            properties.put(THINKERS_KEY, thinkers(plan, result));
        }
        AssistantMessage message = AssistantMessage.builder().content(text).properties(properties).build();
        Generation generation = new Generation(message,
                ChatGenerationMetadata.builder().finishReason(finishReason(plan, result)).build());
        return new ChatResponse(List.of(generation), metadata(plan, result, options));
    }

    private ChatResponseMetadata metadata(Plan plan, GroupThinkResult result, GroupThinkChatOptions options) {
        ChatResponseMetadata.Builder b = ChatResponseMetadata.builder()
                .id("groupthink-" + result.session())
                .model(modelName(options))
                .usage(new DefaultUsage(result.promptTokens(), result.generatedTokens()))
                .keyValue(SESSION_KEY, result.session())
                .keyValue(DECODE_STEPS_KEY, result.decodeSteps())
                .keyValue(WALL_MILLIS_KEY, result.wallMillis())
                .keyValue(PREFILL_MILLIS_KEY, result.prefillMillis())
                .keyValue(DECODE_MILLIS_KEY, result.decodeMillis());
        if (plan.group) {
            b.keyValue(THINKERS_KEY, thinkers(plan, result));
        }
        return b.build();
    }

    private static List<Map<String, Object>> thinkers(Plan plan, GroupThinkResult result) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (GroupThinkResult.ThinkerResult t : result.thinkers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("thinker", t.lane() + 1);
            if (t.lane() < plan.request.roles().size()) {
                m.put("role", plan.request.roles().get(t.lane()));
            }
            m.put("text", t.text());
            m.put("tokens", t.tokens().length);
            m.put("finishReason", t.finishReason().name().toLowerCase(Locale.ROOT));
            out.add(m);
        }
        return out;
    }

    /** The reply of a session in rounds: its final answer, or without one the last round's notes. */
    private ChatResponse toResponse(RoundsResult result, GroupThinkChatOptions options) {
        String text = result.finalAnswer() != null ? ThinkSpan.visible(result.finalAnswer())
                : result.rounds().isEmpty() ? "" : result.rounds().get(result.rounds().size() - 1).summary();
        AssistantMessage message = AssistantMessage.builder().content(text)
                .properties(Map.of(ROUNDS_KEY, rounds(result))).build();
        Generation generation = new Generation(message,
                ChatGenerationMetadata.builder().finishReason(finishReason(result)).build());
        return new ChatResponse(List.of(generation), metadata(result, options));
    }

    private ChatResponseMetadata metadata(RoundsResult result, GroupThinkChatOptions options) {
        int prompt = result.rounds().stream().mapToInt(RoundsResult.Round::promptTokens).sum();
        return ChatResponseMetadata.builder()
                .model(modelName(options))
                .usage(new DefaultUsage(prompt, result.generatedTokens()))
                .keyValue(ROUNDS_KEY, rounds(result))
                .keyValue(DECODE_STEPS_KEY, result.rounds().stream().mapToInt(RoundsResult.Round::decodeSteps).sum())
                .keyValue(WALL_MILLIS_KEY, result.wallMillis())
                .build();
    }

    private static List<Map<String, Object>> rounds(RoundsResult result) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RoundsResult.Round r : result.rounds()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", r.index());
            m.put("summary", r.summary());
            m.put("segmentTokens", r.segmentTokens());
            m.put("summaryTokens", r.summaryTokens());
            m.put("kvTokens", r.kvTokens());
            out.add(m);
        }
        return out;
    }

    private static String finishReason(RoundsResult result) {
        return result.finalLane() != null ? finishReason(result.finalLane().finishReason()) : "stop";
    }

    private static String finishReason(Plan plan, GroupThinkResult result) {
        GroupThinkResult.ThinkerResult lane = result.synthesis() != null ? result.synthesis() : result.thinkers().get(0);
        return finishReason(lane.finishReason());
    }

    private static String finishReason(FinishReason r) {
        return r == null ? "stop" : switch (r) {
            case EOS, STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    private String modelName(GroupThinkChatOptions options) {
        return options.getModel() != null ? options.getModel()
                : sessions.modelInfo().name();
    }
}
