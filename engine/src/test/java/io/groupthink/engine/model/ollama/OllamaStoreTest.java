package io.groupthink.engine.model.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.groupthink.SessionListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model names resolve through a store laid out as Ollama lays it out, built in a temporary folder. */
class OllamaStoreTest {

    @TempDir
    Path store;

    /** Adds a manifest whose model layer is {@code blob} (stored under its sha256), as ollama pull leaves it. */
    private Path pull(String host, String ns, String name, String tag, byte[] blob, boolean withModelLayer)
            throws IOException, NoSuchAlgorithmException {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        Path blobs = Files.createDirectories(store.resolve("blobs"));
        Path file = blobs.resolve("sha256-" + hex);
        Files.write(file, blob);
        String layer = withModelLayer ? "application/vnd.ollama.image.model" : "application/vnd.ollama.image.license";
        String manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json",
                           "digest":"sha256:%s","size":10},
                 "layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:%s","size":5},
                           {"mediaType":"%s","digest":"sha256:%s","size":%d}]}
                """.formatted("0".repeat(64), "1".repeat(64), layer, hex, blob.length);
        Path m = store.resolve("manifests").resolve(host).resolve(ns).resolve(name).resolve(tag);
        Files.createDirectories(m.getParent());
        Files.writeString(m, manifest);
        return file;
    }

    @Test
    void namesResolveThroughTheManifestToTheBlob() throws Exception {
        Path latest = pull("registry.ollama.ai", "library", "qwen2.5", "latest", new byte[] {1}, true);
        Path b3 = pull("registry.ollama.ai", "library", "qwen2.5", "3b", new byte[] {2}, true);
        Path user = pull("registry.ollama.ai", "someone", "tiny", "v1", new byte[] {3}, true);
        Path hosted = pull("hf.co", "bartowski", "Model-GGUF", "Q4_K_M", new byte[] {4}, true);
        OllamaStore s = new OllamaStore(store);
        assertThat(s.resolve("qwen2.5")).isEqualTo(latest);
        assertThat(s.resolve("qwen2.5:3b")).isEqualTo(b3);
        assertThat(s.resolve("library/qwen2.5:3b")).isEqualTo(b3);
        assertThat(s.resolve("someone/tiny:v1")).isEqualTo(user);
        assertThat(s.resolve("hf.co/bartowski/Model-GGUF:Q4_K_M")).isEqualTo(hosted);
        assertThat(s.models()).containsExactly("hf.co/bartowski/Model-GGUF:Q4_K_M", "qwen2.5:3b", "qwen2.5:latest",
                "someone/tiny:v1");
    }

    @Test
    void aPulledGgufLoadsAndGenerates() throws Exception {
        Path blob = pull("registry.ollama.ai", "library", "stories", "260k",
                Files.readAllBytes(TestModels.storiesGguf()), true);
        Path resolved = new OllamaStore(store).resolve("stories:260k");
        assertThat(resolved).isEqualTo(blob);
        try (GroupThinkModel m = GroupThinkModel.load(resolved, new GroupThinkModel.Options(0, false,
                LinearFactory.TORCH))) {
            assertThat(m.tensorTypes()).containsOnlyKeys("F32");
            assertThat(m.generate("Once upon a time", 8, SamplingOptions.GREEDY, List.of(), 0, SessionListener.NONE)
                    .thinkers().get(0).text()).isNotBlank();
        }
    }

    @Test
    void missingStore() {
        OllamaStore s = new OllamaStore(store.resolve("nowhere"));
        assertThatThrownBy(() -> s.resolve("qwen2.5:3b")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("nowhere").hasMessageContaining("Ollama model store does not exist")
                .hasMessageContaining("OLLAMA_MODELS");
    }

    @Test
    void unknownNameListsWhatIsThere() throws Exception {
        pull("registry.ollama.ai", "library", "llama3.2", "1b", new byte[] {1}, true);
        assertThatThrownBy(() -> new OllamaStore(store).resolve("qwen2.5:3b")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no model 'qwen2.5:3b'").hasMessageContaining("llama3.2:1b");
    }

    @Test
    void unknownTagListsTheTags() throws Exception {
        pull("registry.ollama.ai", "library", "qwen2.5", "0.5b", new byte[] {1}, true);
        pull("registry.ollama.ai", "library", "qwen2.5", "latest", new byte[] {2}, true);
        assertThatThrownBy(() -> new OllamaStore(store).resolve("qwen2.5:3b")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no tag '3b'").hasMessageContaining("0.5b, latest");
    }

    @Test
    void manifestWithoutAModelLayer() throws Exception {
        pull("registry.ollama.ai", "library", "nomodel", "latest", new byte[] {1}, false);
        assertThatThrownBy(() -> new OllamaStore(store).resolve("nomodel")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no layer of mediaType application/vnd.ollama.image.model");
    }

    @Test
    void missingBlob() throws Exception {
        Path blob = pull("registry.ollama.ai", "library", "gone", "latest", new byte[] {9}, true);
        Files.delete(blob);
        assertThatThrownBy(() -> new OllamaStore(store).resolve("gone:latest")).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(blob.getFileName().toString()).hasMessageContaining("missing")
                .hasMessageContaining("ollama pull gone:latest");
    }

    @Test
    void namesCannotLeaveTheStore() throws Exception {
        pull("registry.ollama.ai", "library", "x", "latest", new byte[] {1}, true);
        for (String bad : List.of("../x", "x:../../etc", "a/b/c/d", "x:", "..:latest", "")) {
            assertThatThrownBy(() -> new OllamaStore(store).resolve(bad)).as(bad)
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("Ollama model name");
        }
    }

    @Test
    void argumentsWithoutThePrefixArePaths() {
        assertThat(OllamaStore.resolveArgument("/models/x.gguf")).isEqualTo(Path.of("/models/x.gguf"));
    }
}
