package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.model.ollama.OllamaStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code groupthink.model.ollama} loads the GGUF blob a store laid out like Ollama's holds, or fails naming the name. */
class OllamaModelPropertyTests {

    @TempDir
    Path store;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(GroupThinkAutoConfiguration.class));

    @AfterEach
    void clearStore() {
        System.clearProperty(OllamaStore.STORE_PROPERTY);
    }

    private void pullStories() throws Exception {
        Path gguf = TestModels.stories().resolveSibling("stories260K").resolve("stories260K.gguf");
        byte[] bytes = Files.readAllBytes(gguf);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.write(Files.createDirectories(store.resolve("blobs")).resolve("sha256-" + hex), bytes);
        Path manifest = store.resolve("manifests/registry.ollama.ai/library/stories/260k");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, "{\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
                + "\"digest\":\"sha256:" + hex + "\",\"size\":" + bytes.length + "}]}");
        System.setProperty(OllamaStore.STORE_PROPERTY, store.toString());
    }

    @Test
    void anOllamaNameLoadsTheStoredGguf() throws Exception {
        pullStories();
        runner.withPropertyValues("groupthink.model.ollama=stories:260k", "groupthink.model.linear=torch")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    GroupThinkModel model = ctx.getBean(GroupThinkModel.class);
                    assertThat(model.dir().getFileName().toString()).startsWith("sha256-");
                    assertThat(model.tensorTypes()).containsOnlyKeys("F32");
                });
    }

    @Test
    void anUnknownTagFailsWithAnalysisNamingTheProperty() throws Exception {
        pullStories();
        runner.withPropertyValues("groupthink.model.ollama=stories:1m").run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis analysis = new ModelPathFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis.getDescription()).contains("groupthink.model.ollama").contains("no tag '1m'")
                    .contains("260k");
            assertThat(analysis.getAction()).contains("groupthink.model.ollama");
        });
    }
}
