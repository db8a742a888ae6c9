package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.ollama.OllamaContainer;

/**
 * The same 4-agent task two ways, timed: Spring AI's parallelization pattern (4 ChatClient calls on
 * a thread pool, against Ollama in a container) and Group Think (ONE session with a thinker per
 * role). Runs only where Docker is available; elsewhere JUnit reports it skipped.
 *
 * <p>Set {@code -Dgroupthink.it.model=/path/to/hf-model} to run Group Think on a model comparable to
 * the Ollama one ({@code -Dgroupthink.it.ollama-model}, default qwen2.5:0.5b); stories260K is used
 * otherwise, which checks the plumbing but makes the timing comparison meaningless.
 */
@Testcontainers(disabledWithoutDocker = true)
class OllamaThreadPoolComparisonTests {

    static final String OLLAMA_MODEL = System.getProperty("groupthink.it.ollama-model", "qwen2.5:0.5b");

    static final String TASK = "Our web shop's checkout got slow after the last release. What should we do?";

    static final List<String> ROLES = List.of("database reviewer", "frontend reviewer", "network reviewer",
            "release manager");

    static final int TOKENS = 64;

    @Container
    static final OllamaContainer ollama = new OllamaContainer("ollama/ollama:0.5.7");

    @BeforeAll
    static void pullModel() throws Exception {
        ollama.execInContainer("ollama", "pull", OLLAMA_MODEL);
    }

    @Test
    void fourAgentsOnAThreadPoolVersusOneGroupThinkSession() {
        OllamaChatModel ollamaModel = OllamaChatModel.builder()
                .ollamaApi(OllamaApi.builder().baseUrl(ollama.getEndpoint()).build())
                .options(OllamaChatOptions.builder().model(OLLAMA_MODEL).numPredict(TOKENS).temperature(0.0).build())
                .build();
        ChatClient chat = ChatClient.create(ollamaModel);
        chat.prompt().user("warm up").call().content();

        // Before: N agents = N chat calls on a thread pool.
        ExecutorService pool = Executors.newFixedThreadPool(ROLES.size());
        long t0 = System.nanoTime();
        List<String> answers;
        try {
            List<CompletableFuture<String>> calls = ROLES.stream()
                    .map(role -> CompletableFuture.supplyAsync(() -> chat.prompt()
                            .system("You are the " + role + ". Give your part of the answer.")
                            .user(TASK).call().content(), pool))
                    .toList();
            answers = calls.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
        double threadPoolMillis = (System.nanoTime() - t0) / 1e6;

        // After: one Group Think session, one thinker per role, each seeing the others' work.
        String model = System.getProperty("groupthink.it.model");
        String[] properties = model != null
                ? new String[] { "groupthink.model.path=" + model }
                : TestModels.storiesProperties();
        AtomicReference<GroupThinkResponse> group = new AtomicReference<>();
        AtomicReference<Double> groupMillis = new AtomicReference<>();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GroupThinkAutoConfiguration.class))
                .withPropertyValues(properties)
                .run(ctx -> {
                    GroupThinkChatClient client = ctx.getBean(GroupThinkChatClient.class);
                    int tokens = model != null ? TOKENS : 16;
                    client.prompt(TASK).roles(ROLES).maxTokensPerThinker(tokens).synthesize(false).call(); // warm up
                    long t1 = System.nanoTime();
                    group.set(client.prompt(TASK).roles(ROLES).maxTokensPerThinker(tokens).synthesize(false).call());
                    groupMillis.set((System.nanoTime() - t1) / 1e6);
                });

        System.out.printf("4 agents, thread pool over Ollama (%s): %.0f ms; Group Think, one session: %.0f ms "
                + "(%d decode steps)%n", OLLAMA_MODEL, threadPoolMillis, groupMillis.get(),
                group.get().timings().decodeSteps());
        assertThat(answers).hasSize(4).allSatisfy(a -> assertThat(a).isNotBlank());
        assertThat(group.get().thinkers()).hasSize(4);
        assertThat(group.get().timings().decodeSteps()).isLessThanOrEqualTo(model != null ? TOKENS : 16);
    }
}
