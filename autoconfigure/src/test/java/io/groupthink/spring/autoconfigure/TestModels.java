package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.PromptTemplate;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The tiny real model beside the checkout, and prompt words short enough for its 512-token context. */
public final class TestModels {

    /** The default prompt is long in stories260K's 512-token vocabulary; these words are not. */
    public static final PromptTemplate SHORT = new PromptTemplate("We are {count} friends.", "A story.",
            "{question} I am friend {id}.{role}", " I {role}.", "F{id}:", " The end:");

    private static volatile GroupThinkModel loaded;

    private TestModels() {}

    /** stories260K loaded once per test JVM, for contexts whose subject is not the model bean itself. */
    public static synchronized GroupThinkModel model() {
        if (loaded == null) {
            loaded = GroupThinkModel.load(stories());
        }
        return loaded;
    }

    /** Supplies the shared model as the application's own bean; the test JVM keeps it open. */
    @Configuration(proxyBeanMethods = false)
    public static class SharedModel {
        @Bean(destroyMethod = "")
        GroupThinkModel groupThinkModel() {
            return model();
        }
    }

    public static Path shared() {
        return io.groupthink.engine.TestModels.shared();
    }

    public static Path stories() {
        return shared().resolve("models/stories260K-hf");
    }

    /** {@link #storiesProperties()} for a {@code @DynamicPropertySource}. */
    public static void addStoriesProperties(DynamicPropertyRegistry registry) {
        for (String p : storiesProperties()) {
            int eq = p.indexOf('=');
            registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
        }
    }

    /** Properties that point Group Think at the tiny model with small budgets and the short prompt. */
    public static String[] storiesProperties() {
        return new String[] {
                "groupthink.model.path=" + stories(),
                "groupthink.defaults.thinkers=4",
                "groupthink.defaults.tokens-per-thinker=24",
                "groupthink.defaults.synthesis-tokens=24",
                "groupthink.engine.kv-tokens=4096",
                "groupthink.prompt.group-system=" + SHORT.groupSystem(),
                "groupthink.prompt.solo-system=" + SHORT.soloSystem(),
                "groupthink.prompt.user=" + SHORT.user(),
                "groupthink.prompt.role=" + SHORT.role(),
                "groupthink.prompt.header=" + SHORT.header(),
                "groupthink.prompt.synthesis=" + SHORT.synthesis() };
    }
}
