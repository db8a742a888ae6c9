package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The shape of a Llama-family transformer, read from a Hugging Face {@code config.json}.
 *
 * <p>One record covers Llama, Mistral, Qwen2 and Qwen3: they differ only in a few switches
 * (q/k/v bias, q/k RMSNorm, tied head, rope scaling).
 */
public record ModelConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean qkNorm,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    public static final Set<String> SUPPORTED_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3");

    /** How the rotary frequencies theta^(-2i/hd) are rescaled; the config holds null when they are not. */
    public sealed interface RopeScaling {

        /** The inverse frequencies, i = 0..hd/2-1, rescaled in place. */
        void apply(double[] inverseFrequencies);

        /** Llama 3's {@code rope_type: llama3}, as config.json gives it. */
        record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
                implements RopeScaling {

            @Override
            public void apply(double[] inv) {
                double lowWavelen = originalMaxPositions / lowFreqFactor;
                double highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] = inv[i] / factor;
                    } else if (wavelen >= highWavelen) {
                        double smooth = (originalMaxPositions / wavelen - lowFreqFactor)
                                / (highFreqFactor - lowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }
                }
            }
        }

        /**
         * One divisor per frequency, as a GGUF file's {@code rope_freqs.weight} holds Llama 3's
         * scaling (llama.cpp's converter writes the factors; its rope divides each frequency by one).
         */
        record Divisors(float[] divisors) implements RopeScaling {

            public Divisors {
                divisors = divisors.clone();
            }

            @Override
            public float[] divisors() {
                return divisors.clone();
            }

            @Override
            public void apply(double[] inv) {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = inv[i] / divisors[i];
                }
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof Divisors d && java.util.Arrays.equals(divisors, d.divisors);
            }

            @Override
            public int hashCode() {
                return java.util.Arrays.hashCode(divisors);
            }

            @Override
            public String toString() {
                return "Divisors" + java.util.Arrays.toString(divisors);
            }
        }
    }

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Number of query heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Reads and validates {@code config.json}; every failure names the file and the field. */
    public static ModelConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "config.json is missing");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file, "config.json is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(file, "config.json must hold a JSON object");
        }
        return parse(file, root);
    }

    static ModelConfig parse(Path file, JsonNode root) {
        Fields f = new Fields(file, root);
        String type = f.string("model_type");
        if (!SUPPORTED_TYPES.contains(type)) {
            throw new ModelLoadException(file, "unsupported model_type '" + type
                    + "'; supported families: llama, mistral, qwen2, qwen3");
        }
        int hidden = f.positive("hidden_size");
        int heads = f.positive("num_attention_heads");
        int layers = f.positive("num_hidden_layers");
        int intermediate = f.positive("intermediate_size");
        int vocab = f.positive("vocab_size");
        int kvHeads = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? f.positive("num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw new ModelLoadException(file, "num_key_value_heads (" + kvHeads
                    + ") must divide num_attention_heads (" + heads + ")");
        }
        int headDim;
        if (root.hasNonNull("head_dim")) {
            headDim = f.positive("head_dim");
        } else {
            if (hidden % heads != 0) {
                throw new ModelLoadException(file, "hidden_size (" + hidden
                        + ") is not divisible by num_attention_heads (" + heads + ") and no head_dim is given");
            }
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) {
            throw new ModelLoadException(file, "head_dim (" + headDim + ") must be even for rotary embedding");
        }
        int maxPos = root.hasNonNull("max_position_embeddings") ? f.positive("max_position_embeddings") : 2048;
        double eps = root.hasNonNull("rms_norm_eps") ? f.positiveDouble("rms_norm_eps") : 1e-6;
        double theta = root.hasNonNull("rope_theta") ? f.positiveDouble("rope_theta") : 10000.0;
        boolean tied = root.path("tie_word_embeddings").asBoolean(false);
        // Qwen2 always has q/k/v bias; Llama exposes it as attention_bias.
        boolean bias = type.equals("qwen2") || root.path("attention_bias").asBoolean(false);
        boolean qkNorm = type.equals("qwen3");
        if (!root.path("hidden_act").isMissingNode() && !root.path("hidden_act").asText().equals("silu")) {
            throw new ModelLoadException(file, "unsupported hidden_act '" + root.path("hidden_act").asText()
                    + "'; only silu (SwiGLU) is supported");
        }
        int bos = root.path("bos_token_id").isInt() ? root.get("bos_token_id").asInt() : 1;
        List<Integer> eos = eosIds(root.get("eos_token_id"));
        for (int id : eos) {
            if (id < 0 || id >= vocab) {
                throw new ModelLoadException(file, "eos_token_id " + id + " is outside the vocabulary (size " + vocab + ")");
            }
        }
        return new ModelConfig(type, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPos,
                eps, theta, ropeScaling(file, root.get("rope_scaling")), tied, bias, qkNorm, bos, eos);
    }

    /** {@code eos_token_id} may be one id or a list of ids. */
    static List<Integer> eosIds(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node == null || node.isNull()) {
            return ids;
        }
        if (node.isArray()) {
            node.forEach(n -> ids.add(n.asInt()));
        } else {
            ids.add(node.asInt());
        }
        return ids;
    }

    private static RopeScaling ropeScaling(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String kind = node.path("rope_type").asText(node.path("type").asText(""));
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw new ModelLoadException(file, "unsupported rope_scaling type '" + kind + "'; supported: llama3");
        }
        return new RopeScaling.Llama3(node.path("factor").asDouble(8.0), node.path("low_freq_factor").asDouble(1.0),
                node.path("high_freq_factor").asDouble(4.0),
                node.path("original_max_position_embeddings").asInt(8192));
    }

    /** Field access that names the missing or malformed field. */
    private record Fields(Path file, JsonNode root) {
        String string(String name) {
            JsonNode n = root.get(name);
            if (n == null || !n.isTextual()) {
                throw new ModelLoadException(file, "required field '" + name + "' is missing or not a string");
            }
            return n.asText();
        }

        int positive(String name) {
            JsonNode n = root.get(name);
            if (n == null || n.isNull()) {
                throw new ModelLoadException(file, "required field '" + name + "' is missing");
            }
            if (!n.canConvertToInt() || !n.isIntegralNumber()) {
                throw new ModelLoadException(file, "field '" + name + "' must be an integer, got " + n);
            }
            if (n.asInt() <= 0) {
                throw new ModelLoadException(file, "field '" + name + "' must be positive, got " + n.asInt());
            }
            return n.asInt();
        }

        double positiveDouble(String name) {
            JsonNode n = root.get(name);
            if (!n.isNumber() || !(n.asDouble() > 0)) {
                throw new ModelLoadException(file, "field '" + name + "' must be a positive number, got " + n);
            }
            return n.asDouble();
        }
    }
}
