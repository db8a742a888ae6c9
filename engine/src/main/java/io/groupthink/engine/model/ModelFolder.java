package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Hugging Face model folder: {@code config.json}, {@code model.safetensors} (or a sharded set with
 * {@code model.safetensors.index.json}), {@code tokenizer.json}, and optionally
 * {@code tokenizer_config.json} and {@code generation_config.json}.
 *
 * <p>Opening checks that every file is present and every safetensors header is valid, before any
 * tensor memory is allocated.
 */
public final class ModelFolder implements ModelSource {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    /** Where a tensor lives. */
    public record Located(SafetensorsFile file, SafetensorsFile.Entry entry) {}

    private final Path dir;
    private final ModelConfig config;
    private final Map<String, Located> tensors;

    private ModelFolder(Path dir, ModelConfig config, Map<String, Located> tensors) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
    }

    public static ModelFolder open(Path dir) {
        if (!Files.exists(dir)) {
            throw new ModelLoadException(dir, "model folder does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "model path is a file, not a folder");
        }
        ModelConfig config = ModelConfig.read(dir.resolve(CONFIG));
        if (!Files.isRegularFile(dir.resolve(TOKENIZER))) {
            throw new ModelLoadException(dir.resolve(TOKENIZER), "tokenizer.json is missing");
        }
        return new ModelFolder(dir, config, locateTensors(dir));
    }

    private static Map<String, Located> locateTensors(Path dir) {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(WEIGHTS_INDEX);
        Map<String, Located> out = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            f.entries().forEach((name, e) -> out.put(name, new Located(f, e)));
            return out;
        }
        if (!Files.isRegularFile(index)) {
            throw new ModelLoadException(single, "model weights are missing: neither " + WEIGHTS + " nor "
                    + WEIGHTS_INDEX + " is in the folder");
        }
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new ModelLoadException(index, "shard index is not valid JSON: " + e.getMessage(), e);
        }
        if (!weightMap.isObject()) {
            throw new ModelLoadException(index, "shard index has no 'weight_map' object");
        }
        Map<String, SafetensorsFile> shards = new HashMap<>();
        for (var it = weightMap.fields(); it.hasNext(); ) {
            var field = it.next();
            String shardName = field.getValue().asText();
            Path shardPath = dir.resolve(shardName).normalize();
            if (!shardPath.startsWith(dir.normalize()) || !Files.isRegularFile(shardPath)) {
                throw new ModelLoadException(index, "tensor '" + field.getKey() + "' points at shard '"
                        + shardName + "', which is missing");
            }
            SafetensorsFile shard = shards.computeIfAbsent(shardName, n -> SafetensorsFile.open(shardPath));
            SafetensorsFile.Entry e = shard.entries().get(field.getKey());
            if (e == null) {
                throw new ModelLoadException(shardPath, "tensor '" + field.getKey()
                        + "' is listed in the shard index but not in this shard");
            }
            out.put(field.getKey(), new Located(shard, e));
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Path path() {
        return dir;
    }

    @Override
    public Tokenizer tokenizer() {
        return Tokenizer.load(file(TOKENIZER), config.vocabSize());
    }

    @Override
    public ChatTemplate chatTemplate() {
        return ChatTemplate.read(file(TOKENIZER_CONFIG));
    }

    @Override
    public GenerationConfig generationConfig() {
        return GenerationConfig.read(file(GENERATION_CONFIG));
    }

    @Override
    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public RawTensor weight(String name) {
        Located loc = tensor(name);
        SafetensorsFile.Entry e = loc.entry();
        GgmlType type = switch (e.dtype()) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            default -> throw new ModelLoadException(loc.file().path(), "unsupported dtype " + e.dtype()
                    + " for weight '" + name + "'; weights must be F32, F16 or BF16");
        };
        return new RawTensor(name, type, e.shape(), loc.file().map(e), loc.file().path());
    }

    @Override
    public Map<String, Integer> tensorTypes() {
        Map<String, Integer> counts = new TreeMap<>();
        tensors.values().forEach(l -> counts.merge(l.entry().dtype().name(), 1, Integer::sum));
        return counts;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public Map<String, Located> tensors() {
        return tensors;
    }

    public Located tensor(String name) {
        Located l = tensors.get(name);
        if (l == null) {
            throw new ModelLoadException(weightsPath(), "tensor '" + name + "' is missing");
        }
        return l;
    }

    /** Layer indices present in the files beyond what config.json declares. */
    @Override
    public List<Integer> unexpectedLayers() {
        TreeSet<Integer> extra = new TreeSet<>();
        for (String name : tensors.keySet()) {
            if (name.startsWith("model.layers.")) {
                String rest = name.substring("model.layers.".length());
                int dot = rest.indexOf('.');
                try {
                    int layer = Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
                    if (layer >= config.numLayers()) {
                        extra.add(layer);
                    }
                } catch (NumberFormatException ignored) {
                    // not a layer tensor of the usual form
                }
            }
        }
        return new ArrayList<>(extra);
    }

    @Override
    public Path weightsPath() {
        return Files.isRegularFile(dir.resolve(WEIGHTS)) ? dir.resolve(WEIGHTS) : dir.resolve(WEIGHTS_INDEX);
    }

    public Path file(String name) {
        return dir.resolve(name);
    }
}
