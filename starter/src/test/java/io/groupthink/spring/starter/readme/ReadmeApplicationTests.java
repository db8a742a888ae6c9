package io.groupthink.spring.starter.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.starter.StarterApplicationTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The README's application, as a new user copies it: it compiles against the public packages
 * only, and running it answers with 4 thinkers, calls the agent group once, and answers a plain
 * ChatClient call through the advisor. Budgets come from properties, as the README says, small
 * enough for stories260K's 512-token context.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReadmeApplicationTests {

    @Test
    void theReadmeApplicationRuns(CapturedOutput output) {
        String model = StarterApplicationTests.shared().resolve("models/stories260K-hf").toString();
        try (ConfigurableApplicationContext ctx = SpringApplication.run(App.class,
                "--groupthink.model.path=" + model,
                "--groupthink.defaults.tokens-per-thinker=12",
                "--groupthink.defaults.synthesis-tokens=12",
                "--groupthink.prompt.group-system=We are {count} friends.",
                "--groupthink.prompt.user={question} I am friend {id}.{role}",
                "--groupthink.prompt.header=F{id}:",
                "--groupthink.prompt.synthesis= The end:",
                "--spring.main.banner-mode=off")) {
            assertThat(output).contains("Thinker1: ", "Thinker4: ", "Answer: ", "Usage[promptTokens=",
                    "security: ", "cost: ", "ChatClient: ");
            assertThat(output).doesNotContain("Thinker5: ");
            // three sessions: the 4 thinkers, the agent group (2 roles, one session), the advised call
            assertThat(ctx.getBean(Scheduler.class).stats().submitted()).isEqualTo(3);
        }
    }
}
