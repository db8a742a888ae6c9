package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Defaults from {@code generation_config.json}; absent fields are null or empty. */
public record GenerationConfig(List<Integer> eosTokenIds, Double temperature, Double topP, Integer topK,
        Double repetitionPenalty, Boolean doSample) {

    public static GenerationConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            return new GenerationConfig(List.of(), null, null, null, null, null);
        }
        JsonNode r;
        try {
            r = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file, "generation_config.json is not valid JSON: " + e.getMessage(), e);
        }
        return new GenerationConfig(ModelConfig.eosIds(r.get("eos_token_id")),
                r.hasNonNull("temperature") ? r.get("temperature").asDouble() : null,
                r.hasNonNull("top_p") ? r.get("top_p").asDouble() : null,
                r.hasNonNull("top_k") ? r.get("top_k").asInt() : null,
                r.hasNonNull("repetition_penalty") ? r.get("repetition_penalty").asDouble() : null,
                r.hasNonNull("do_sample") ? r.get("do_sample").asBoolean() : null);
    }
}
