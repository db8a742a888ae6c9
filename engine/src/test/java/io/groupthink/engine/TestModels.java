package io.groupthink.engine;

import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Where test models live: ../shared beside the checkout, and random models generated once per JVM. */
public final class TestModels {

    private static final Map<RandomModel.Spec, Path> GENERATED = new ConcurrentHashMap<>();
    private static final Map<Path, GroupThinkModel> LOADED = new ConcurrentHashMap<>();

    private TestModels() {}

    public static Path shared() {
        String prop = System.getProperty("groupthink.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("../shared not found beside the checkout (set -Dgroupthink.shared)");
    }

    public static Path stories() {
        return shared().resolve("models/stories260K-hf");
    }

    /** A JSON array of ids (golden.json's) as an int array. */
    public static int[] ints(com.fasterxml.jackson.databind.JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** The same model as llama.cpp keeps it: one GGUF file, F32, tokenizer inside. */
    public static Path storiesGguf() {
        return shared().resolve("models/stories260K/stories260K.gguf");
    }

    /** A random model written to a temp folder, once per spec per JVM. */
    public static Path random(RandomModel.Spec spec) {
        return GENERATED.computeIfAbsent(spec, s -> {
            try {
                Path dir = Files.createTempDirectory("gt-random-");
                dir.toFile().deleteOnExit();
                return RandomModel.write(s, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static final Map<Path, GroupThinkModel> KERNEL = new ConcurrentHashMap<>();

    /** A loaded model (LibTorch linears) shared by the tests of one JVM (loading is the slow part). */
    public static GroupThinkModel load(Path dir) {
        return LOADED.computeIfAbsent(dir, d -> GroupThinkModel.load(d,
                new GroupThinkModel.Options(0, false, LinearFactory.TORCH)));
    }

    /** The same model with the Vector API few-row kernel for every linear. */
    public static GroupThinkModel loadWithKernel(Path dir) {
        return KERNEL.computeIfAbsent(dir, d -> GroupThinkModel.load(d,
                new GroupThinkModel.Options(0, false, LinearFactory.vector(0))));
    }

    public static GroupThinkModel load(Path dir, boolean kernel) {
        return kernel ? loadWithKernel(dir) : load(dir);
    }
}
