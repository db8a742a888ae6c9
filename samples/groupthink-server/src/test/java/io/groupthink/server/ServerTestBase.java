package io.groupthink.server;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.RequestOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the server tests share: the server on a loopback port over the tiny model, a bearer key,
 * and the reference every client's answer is checked against, the engine's direct result for the
 * same greedy request (run on the scheduler, no HTTP, no client). A test that hangs fails at 100 s
 * with every thread's stack on stdout (src/test/resources/junit-platform.properties), before
 * WebTestClient's own 120 s time-out, which leaves none.
 */
@Timeout(100)
@ActiveProfiles("tiny")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class ServerTestBase {

    static final String MODEL = "stories260K-hf";
    static final String KEY = "sk-test-only-7f3a";
    static final String QUESTION = "Once upon a time";

    @DynamicPropertySource
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

    @LocalServerPort
    int port;

    @Autowired
    GroupThinkModel model;

    @Autowired
    Scheduler scheduler;

    @Autowired
    GroupThinkSessions sessions;

    /** One plain session over the conversation as the chat template renders it. */
    GroupThinkResult direct(List<ChatTemplate.Message> messages, int maxTokens) throws Exception {
        ChatTemplate template = model.chatTemplate();
        return direct(model.tokenizer().encode(template.render(messages, true), !template.rendersBos()), maxTokens);
    }

    /** One plain session over token ids. */
    GroupThinkResult direct(int[] ids, int maxTokens) throws Exception {
        GroupThinkSession session = model.newPlainSession(ids, maxTokens, SamplingOptions.GREEDY, List.of(), 0,
                SessionListener.NONE, StepHook.NONE);
        return scheduler.submit(session).result().get(60, TimeUnit.SECONDS);
    }

    /** A greedy Group Think session on {@link #QUESTION} with the server's prompt defaults. */
    GroupThinkResult directGroup(int thinkers, Mode mode, int maxTokens) throws Exception {
        GroupThinkRequest request = sessions.request(QUESTION, RequestOptions.builder().thinkers(thinkers)
                .mode(mode).synthesize(false).maxTokens(maxTokens).sampling(SamplingOptions.GREEDY).build());
        return scheduler.submit(model.newSession(request, SessionListener.NONE, StepHook.NONE)).result()
                .get(60, TimeUnit.SECONDS);
    }

    static List<ChatTemplate.Message> user(String text) {
        return List.of(new ChatTemplate.Message("user", text));
    }
}
