package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.spring.client.GroupThinkResponse;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.RequestOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Prefill and decode time come from the session, which knows how many passes its prompt took: with
 * chunked prefill, "the first step" is only the first chunk.
 */
class SessionTimingsTests {

    @Test
    void prefillTimeCoversEveryChunkOfAChunkedPrompt() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GroupThinkAutoConfiguration.class))
                .withUserConfiguration(TestModels.SharedModel.class)
                .withPropertyValues(TestModels.storiesProperties())
                .withPropertyValues("groupthink.engine.prefill-tokens-per-step=8", "groupthink.resilience.enabled=false")
                .run(ctx -> {
                    GroupThinkSessions sessions = ctx.getBean(GroupThinkSessions.class);
                    GroupThinkRequest request = sessions.request("Tom and Lily went to the park to play.",
                            RequestOptions.builder().thinkers(2).maxTokens(6).synthesize(false).build());
                    GroupThinkResult result = sessions.call(request, StepHook.NONE, "test");
                    GroupThinkResponse response = GroupThinkResponse.from(request, result);

                    assertThat(result.prefillPasses()).as("a prompt of %d tokens in chunks of 8", result.promptTokens())
                            .isGreaterThan(1);
                    List<Double> steps = result.stepMillis();
                    double prefill = steps.subList(0, result.prefillPasses()).stream().mapToDouble(d -> d).sum();
                    double decode = steps.subList(result.prefillPasses(), steps.size()).stream().mapToDouble(d -> d)
                            .sum();
                    assertThat(response.timings().prefillMillis()).isCloseTo(prefill, within(1e-9))
                            .isGreaterThan(steps.get(0));
                    assertThat(response.timings().decodeMillis()).isCloseTo(decode, within(1e-9));
                    assertThat(response.timings().decodeSteps()).isEqualTo(steps.size() - result.prefillPasses());
                });
    }
}
