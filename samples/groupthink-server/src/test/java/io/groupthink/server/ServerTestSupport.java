package io.groupthink.server;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.Scheduler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.test.context.DynamicPropertyRegistry;

/** What the server tests share: the tiny model, its served name and the engine's direct answer. */
final class ServerTestSupport {

    static final String MODEL = "stories260K-hf";
    static final String KEY = "sk-test-only-7f3a";
    static final String QUESTION = "Once upon a time";

    private ServerTestSupport() {}

    static void properties(DynamicPropertyRegistry registry) {
        registry.add("groupthink.model.path", () -> TestModels.stories().toString());
        registry.add("groupthink.server.api-keys", () -> KEY);
        // Spring AI's OpenAI starter is on the test classpath as a client; its auto-configuration
        // would build OpenAI models for this app itself, so it is switched off here.
        for (String model : List.of("chat", "embedding", "image", "moderation", "audio.speech",
                "audio.transcription")) {
            registry.add("spring.ai.model." + model, () -> "none");
        }
    }

    /**
     * The reference: the same greedy request run straight on the engine (no HTTP, no client), one
     * plain session over the conversation as the chat template renders it.
     */
    static GroupThinkResult direct(GroupThinkModel model, Scheduler scheduler, List<ChatTemplate.Message> messages,
            int maxTokens) throws Exception {
        ChatTemplate template = model.chatTemplate();
        int[] ids = model.tokenizer().encode(template.render(messages, true), !template.rendersBos());
        return direct(model, scheduler, ids, maxTokens);
    }

    static GroupThinkResult direct(GroupThinkModel model, Scheduler scheduler, int[] ids, int maxTokens)
            throws Exception {
        GroupThinkSession session = model.newPlainSession(ids, maxTokens, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, StepHook.NONE);
        return scheduler.submit(session).result().get(60, TimeUnit.SECONDS);
    }

    static List<ChatTemplate.Message> user(String text) {
        return List.of(new ChatTemplate.Message("user", text));
    }
}
