package io.groupthink.server;

import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.server.openai.ApiException;
import io.groupthink.server.openai.ChatCompletion;
import io.groupthink.server.openai.ChatRequest;
import io.groupthink.spring.session.GroupThinkEvent;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.RequestOptions;
import io.groupthink.spring.session.SessionDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import reactor.core.publisher.Flux;

/**
 * Turns an OpenAI chat request into an engine session and names what comes back.
 *
 * <ul>
 * <li>n = 1 without {@code group_think} (or with mode cot) is OpenAI's own meaning: one lane over the
 * conversation, rendered by the model's chat template.</li>
 * <li>Otherwise the conversation becomes a Group Think question: n thinkers (group by default, or
 * independent), system messages added to the collaboration prompt, and with synthesis a final-answer
 * lane whose text is the extra choice at index n.</li>
 * </ul>
 * Every session goes through {@link GroupThinkSessions}, so the starter's limits, bulkhead, metrics
 * and actuator endpoint see the server's sessions like any other.
 */
public class Completions {

    static final String SURFACE = "openai-server";

    private final GroupThinkSessions sessions;
    private final String modelName;

    public Completions(GroupThinkSessions sessions, String modelName) {
        this.sessions = sessions;
        this.modelName = modelName;
    }

    public String modelName() {
        return modelName;
    }

    /** A planned session: what runs, and how many choices come back. */
    public record Plan(ChatRequest chat, GroupThinkRequest request, boolean plain, List<ChatTemplate.Message> messages) {

        /** Choices: one per thinker, plus the final answer when synthesis is on. */
        public int choices() {
            return request.thinkers() + (request.synthesize() ? 1 : 0);
        }
    }

    /** Checks the request against this replica (model, limits) and builds the engine request. */
    public Plan plan(ChatRequest chat) {
        if (!modelName.equals(chat.model())) {
            throw new ApiException(org.springframework.http.HttpStatus.NOT_FOUND, "invalid_request_error", "model",
                    "model_not_found", "The model '" + chat.model() + "' does not exist; this server serves '"
                            + modelName + "'");
        }
        SessionDefaults.Limits limits = sessions.defaults().limits();
        if (chat.n() > limits.maxThinkers()) {
            throw ApiException.invalid("n", "n must be at most " + limits.maxThinkers()
                    + " (groupthink.limits.max-thinkers), got " + chat.n());
        }
        if (chat.maxTokens() != null && chat.maxTokens() > limits.maxTokensPerThinker()) {
            throw ApiException.invalid("max_tokens", "max_tokens must be at most " + limits.maxTokensPerThinker()
                    + " (groupthink.limits.max-tokens-per-thinker), got " + chat.maxTokens());
        }
        List<ChatTemplate.Message> messages = withFormatInstruction(chat);
        // The starter's one overlay: defaults, then what this request says.
        RequestOptions.Builder o = RequestOptions.builder().thinkers(chat.n()).maxTokens(chat.maxTokens())
                .temperature(chat.temperature()).topK(chat.topK()).topP(chat.topP())
                .repetitionPenalty(chat.repetitionPenalty()).seed(chat.seed()).stop(chat.stop()).minTokens(chat.minTokens())
                .system(system(messages)); // blank: none, as RequestOptions reads it
        if (chat.plain()) {
            GroupThinkRequest plain = sessions.request(question(messages),
                    o.system(null).mode(Mode.COT).synthesize(false).build());
            return new Plan(chat, plain, true, messages);
        }
        ChatRequest.GroupThink g = chat.groupThink();
        o.mode(Mode.GROUP_THINK).synthesize(false);
        if (g != null) {
            if (g.mode() != null) {
                o.mode(g.mode());
            }
            o.layout(g.layout());
            if (g.synthesize() != null) {
                o.synthesize(g.synthesize());
            }
            o.synthesisTokens(g.synthesisTokens());
            if (!g.roles().isEmpty()) {
                o.roles(g.roles());
            }
        }
        GroupThinkRequest request = sessions.request(question(messages), o.build());
        return new Plan(chat, request, false, messages);
    }

    /** Runs the plan: its tokens as they come, then its result. Nothing starts until subscribed. */
    public Flux<GroupThinkEvent> run(Plan plan) {
        return plan.plain()
                ? sessions.streamChat(plan.messages(), plan.request(), StepHook.NONE, SURFACE)
                : sessions.stream(plan.request(), StepHook.NONE, SURFACE);
    }

    /** The choices of a finished session, by index: thinkers first, then the final answer. */
    public static List<ChatCompletion.Choice> choices(GroupThinkResult result) {
        List<ChatCompletion.Choice> out = new ArrayList<>();
        for (GroupThinkResult.ThinkerResult t : result.thinkers()) {
            out.add(ChatCompletion.Choice.whole(t.lane(), t.text(), finishReason(t.finishReason())));
        }
        if (result.synthesis() != null) {
            out.add(ChatCompletion.Choice.whole(result.thinkers().size(), result.synthesis().text(),
                    finishReason(result.synthesis().finishReason())));
        }
        return out;
    }

    public static ChatCompletion.Usage usage(GroupThinkResult result) {
        return ChatCompletion.Usage.of(result.promptTokens(), result.generatedTokens());
    }

    public static ChatCompletion.GroupThinkInfo info(Plan plan, GroupThinkResult result) {
        if (plan.plain()) {
            return null;
        }
        GroupThinkRequest r = plan.request();
        return new ChatCompletion.GroupThinkInfo(r.mode().name().toLowerCase(Locale.ROOT),
                r.layout().name().toLowerCase(Locale.ROOT), r.thinkers(), r.synthesize() ? r.thinkers() : null,
                result.decodeSteps(), result.wallMillis());
    }

    /** OpenAI's finish reasons: stop (end of text or a stop string) or length (max_tokens reached). */
    static String finishReason(FinishReason r) {
        return r == null ? "stop" : switch (r) {
            case EOS, STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    /**
     * response_format as an instruction in the system turn: what a model that follows instructions
     * needs. Nothing forces the tokens, so a tiny model may still not comply.
     */
    private static List<ChatTemplate.Message> withFormatInstruction(ChatRequest chat) {
        ChatRequest.ResponseFormat f = chat.responseFormat();
        if (f == null || "text".equals(f.type())) {
            return chat.messages();
        }
        String instruction = "json_object".equals(f.type())
                ? "Reply with a single JSON object and nothing else."
                : "Reply with a single JSON value and nothing else, matching this JSON schema: " + f.schema();
        List<ChatTemplate.Message> out = new ArrayList<>();
        out.add(new ChatTemplate.Message("system", instruction));
        out.addAll(chat.messages());
        return out;
    }

    /** The thinkers' question: the user turn, or the whole exchange when there were earlier turns. */
    private static String question(List<ChatTemplate.Message> messages) {
        List<ChatTemplate.Message> turns = messages.stream().filter(m -> !"system".equals(m.role())).toList();
        if (turns.size() == 1) {
            return turns.get(0).content();
        }
        StringBuilder sb = new StringBuilder();
        for (ChatTemplate.Message m : turns) {
            String who = switch (m.role()) {
                case "user" -> "User";
                case "assistant" -> "Assistant";
                default -> "Tool";
            };
            sb.append(who).append(": ").append(m.content()).append('\n');
        }
        return sb.toString().strip();
    }

    private static String system(List<ChatTemplate.Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (ChatTemplate.Message m : messages) {
            if ("system".equals(m.role()) && !m.content().isBlank()) {
                if (!sb.isEmpty()) {
                    sb.append("\n\n");
                }
                sb.append(m.content());
            }
        }
        return sb.toString();
    }
}
