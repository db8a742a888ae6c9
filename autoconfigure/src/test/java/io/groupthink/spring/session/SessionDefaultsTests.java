package io.groupthink.spring.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.spring.ai.GroupThinkChatOptions;
import io.groupthink.spring.autoconfigure.GroupThinkProperties;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one option overlay, defaults ← properties ← request ← Spring AI options, tested here once:
 * each layer's value wins over the one below, and an unset field keeps it.
 */
class SessionDefaultsTests {

    @Test
    void engineDefaultsWhenNothingIsSet() {
        GroupThinkRequest r = SessionDefaults.DEFAULT.request("q", null);
        GroupThinkRequest engine = GroupThinkRequest.builder("q").build();
        assertThat(r.thinkers()).isEqualTo(4);
        assertThat(r.maxTokens()).isEqualTo(256);
        assertThat(r.mode()).isEqualTo(Mode.GROUP_THINK);
        assertThat(r.layout()).isEqualTo(Layout.SLOTTED);
        assertThat(r.synthesize()).isTrue();
        assertThat(r.sampling()).isEqualTo(SamplingOptions.GREEDY);
        assertThat(r.template()).isEqualTo(PromptTemplate.DEFAULT).isEqualTo(engine.template());
        assertThat(new GroupThinkProperties().toSessionDefaults()).as("properties left alone are the defaults")
                .isEqualTo(SessionDefaults.DEFAULT);
    }

    @Test
    void propertiesOverDefaultsThenRequestOverProperties() {
        GroupThinkProperties p = new GroupThinkProperties();
        p.getDefaults().setThinkers(3);
        p.getDefaults().setTokensPerThinker(40);
        p.getDefaults().setMode(Mode.INDEPENDENT);
        p.getDefaults().setSynthesisTokens(24);
        p.getSampling().setTemperature(0.7);
        p.getSampling().setTopP(0.9);
        p.getSampling().setSeed(5);
        p.getPrompt().setHeader("F{id}:");
        p.getLimits().setMaxThinkers(8);
        SessionDefaults d = p.toSessionDefaults();
        assertThat(d.limits().maxThinkers()).isEqualTo(8);

        GroupThinkRequest fromProperties = d.request("q", RequestOptions.NONE);
        assertThat(fromProperties.thinkers()).isEqualTo(3);
        assertThat(fromProperties.maxTokens()).isEqualTo(40);
        assertThat(fromProperties.mode()).isEqualTo(Mode.INDEPENDENT);
        assertThat(fromProperties.synthesisTokens()).isEqualTo(24);
        assertThat(fromProperties.sampling()).isEqualTo(new SamplingOptions(0.7, 0, 0.9, 1, 5));
        assertThat(fromProperties.template().header()).isEqualTo("F{id}:");
        assertThat(fromProperties.template().user()).isEqualTo(PromptTemplate.DEFAULT.user());

        GroupThinkRequest r = d.request("q", RequestOptions.builder().thinkers(2).mode(Mode.GROUP_THINK)
                .temperature(0.2).seed(9L).stop(List.of("END")).build());
        assertThat(r.thinkers()).isEqualTo(2);
        assertThat(r.maxTokens()).as("unset in the request: the property").isEqualTo(40);
        assertThat(r.mode()).isEqualTo(Mode.GROUP_THINK);
        assertThat(r.sampling()).as("single fields over the property's set")
                .isEqualTo(new SamplingOptions(0.2, 0, 0.9, 1, 9));
        assertThat(r.stopStrings()).containsExactly("END");
    }

    @Test
    void aWholeSamplingSetThenSingleFieldsOverIt() {
        SamplingOptions set = new SamplingOptions(1.0, 40, 0.8, 1.1, 3);
        GroupThinkRequest r = SessionDefaults.DEFAULT.request("q",
                RequestOptions.builder().sampling(set).topK(10).build());
        assertThat(r.sampling()).isEqualTo(new SamplingOptions(1.0, 10, 0.8, 1.1, 3));
    }

    @Test
    void systemTextFollowsBothSystemMessagesAndTheFormatPrecedesTheAnswer() {
        GroupThinkRequest r = SessionDefaults.DEFAULT.request("q", RequestOptions.builder().system("Be brief.")
                .format("Answer in JSON.").synthesize(false).build());
        assertThat(r.template().groupSystem()).isEqualTo(PromptTemplate.DEFAULT.groupSystem() + "\n\nBe brief.");
        assertThat(r.template().soloSystem()).isEqualTo(PromptTemplate.DEFAULT.soloSystem() + "\n\nBe brief.");
        assertThat(r.template().synthesis()).isEqualTo(PromptTemplate.DEFAULT.synthesis() + "\nAnswer in JSON.\n");
        assertThat(r.synthesize()).as("a format needs the final-answer lane").isTrue();

        GroupThinkRequest blank = SessionDefaults.DEFAULT.request("q", RequestOptions.builder().system("  ").build());
        assertThat(blank.template()).isEqualTo(PromptTemplate.DEFAULT);
    }

    @Test
    void rolesSetTheThinkerCountUnlessThinkersAreGiven() {
        GroupThinkRequest r = SessionDefaults.DEFAULT.request("q",
                RequestOptions.builder().roles(List.of("a", "b")).build());
        assertThat(r.thinkers()).isEqualTo(2);
        assertThat(r.roles()).containsExactly("a", "b");
    }

    @Test
    void springAiOptionsMapOntoTheSameOverlay() {
        GroupThinkChatOptions options = GroupThinkChatOptions.builder().thinkers(3).maxTokens(12).temperature(0.5)
                .topK(7).topP(0.6).repetitionPenalty(1.2).seed(11L).stopSequences(List.of("x"))
                .mode(Mode.INDEPENDENT).layout(Layout.INTERLEAVED).synthesize(false).synthesisTokens(9)
                .roles(List.of("r1", "r2", "r3")).build();
        GroupThinkRequest r = SessionDefaults.DEFAULT.request("q", options.toRequestOptions().build());
        assertThat(r.thinkers()).isEqualTo(3);
        assertThat(r.maxTokens()).isEqualTo(12);
        assertThat(r.sampling()).isEqualTo(new SamplingOptions(0.5, 7, 0.6, 1.2, 11));
        assertThat(r.stopStrings()).containsExactly("x");
        assertThat(r.mode()).isEqualTo(Mode.INDEPENDENT);
        assertThat(r.layout()).isEqualTo(Layout.INTERLEAVED);
        assertThat(r.synthesize()).isFalse();
        assertThat(r.synthesisTokens()).isEqualTo(9);
        assertThat(r.roles()).containsExactly("r1", "r2", "r3");

        GroupThinkRequest unset = SessionDefaults.DEFAULT.request("q",
                GroupThinkChatOptions.builder().build().toRequestOptions().build());
        assertThat(unset).isEqualTo(SessionDefaults.DEFAULT.request("q", null));
    }
}
