package io.groupthink.engine.model;

import io.groupthink.engine.model.gguf.GgufFile;
import io.groupthink.engine.model.gguf.GgufModel;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a model comes from: a Hugging Face folder or a GGUF file. Each provides the same parts, so
 * loading does not care which: the configuration, the tokenizer, the chat template, generation
 * defaults and the weights, by their Hugging Face names ({@code model.layers.0.self_attn.q_proj.weight}).
 */
public interface ModelSource {

    /** The folder or file, for messages. */
    Path path();

    /** The file to name in errors about the weights. */
    default Path weightsPath() {
        return path();
    }

    ModelConfig config();

    /** A new tokenizer; the caller closes it. */
    Tokenizer tokenizer();

    ChatTemplate chatTemplate();

    GenerationConfig generationConfig();

    boolean hasTensor(String name);

    /** The weight of this Hugging Face name, in the engine's convention; missing ones are a {@link ModelLoadException}. */
    RawTensor weight(String name);

    /** Layer indices present in the weights beyond what the configuration declares. */
    List<Integer> unexpectedLayers();

    /** How many tensors the source holds of each storage type ("F32", "Q4_K", ...). */
    Map<String, Integer> tensorTypes();

    /** A GGUF file (by its magic, whatever its name) or a model folder. */
    static ModelSource open(Path path) {
        if (Files.isRegularFile(path) && (GgufFile.looksLikeGguf(path) || path.toString().endsWith(".gguf"))) {
            return GgufModel.open(path);
        }
        return ModelFolder.open(path);
    }
}
