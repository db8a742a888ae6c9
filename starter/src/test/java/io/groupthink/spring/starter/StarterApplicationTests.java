package io.groupthink.spring.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.spring.client.GroupThinkChatClient;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.session.Resilience4jSessionGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The acceptance check: a new Boot app with the starter and ONE property gets a working
 * GroupThinkChatClient that answers with 4 thinkers, plus Spring AI's ChatClient and Resilience4j.
 */
@SpringBootTest(classes = StarterApplicationTests.App.class)
public class StarterApplicationTests {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @DynamicPropertySource
    static void modelPath(DynamicPropertyRegistry registry) {
        registry.add("groupthink.model.path", () -> shared().resolve("models/stories260K-hf").toString());
    }

    public static Path shared() {
        String prop = System.getProperty("groupthink.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop);
        }
        return Paths.get("").toAbsolutePath().getParent().resolveSibling("shared");
    }

    @Autowired GroupThinkChatClient client;
    @Autowired ChatClient.Builder chatClient;
    @Autowired Resilience4jSessionGuard guard;

    @Test
    void answersWithFourThinkers() {
        // stories260K has a 512-token context, so this call keeps budgets small; the defaults
        // (256 tokens a thinker) suit real models.
        GroupThinkResponse r = client.prompt().user("Tom had a red ball.").thinkers(4).maxTokensPerThinker(16)
                .synthesisTokens(16).call();
        assertThat(r.thinkers()).hasSize(4).allSatisfy(t -> assertThat(t.text()).isNotBlank());
        assertThat(r.finalAnswer()).isNotNull();
        assertThat(r.usage().generatedTokens()).isPositive();
        assertThat(chatClient.build().prompt().user("Once upon a time").call().content()).isNotBlank();
        assertThat(guard.bulkhead().getName()).isEqualTo("groupthink");
    }
}
