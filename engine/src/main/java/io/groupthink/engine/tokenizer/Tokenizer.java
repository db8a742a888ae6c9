package io.groupthink.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.model.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Text to token ids and back, through DJL's binding of Hugging Face tokenizers, with truncation
 * and padding off: the engine decides what fits the context, not the tokenizer.
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer hf;
    private final int maxId;
    // decodeText of each single id, kept as ids are met: a stream decodes the token it settles on
    // alone at every step, and on the engine thread, after a forward pass has streamed the weights
    // through the caches, the native call took about 30 us of a 0.5B model's step for a few bytes of
    // text (a String is immutable, so a thread that reads another's entry sees it whole)
    private final String[] pieces;

    private Tokenizer(HuggingFaceTokenizer hf, int maxId) {
        this.hf = hf;
        this.maxId = maxId;
        this.pieces = new String[maxId + 1];
    }

    /**
     * Loads {@code tokenizer.json} and checks that every id it can produce has an embedding row.
     *
     * @param modelVocab rows of the embedding matrix
     */
    public static Tokenizer load(Path file, int modelVocab) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "tokenizer.json is missing");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file, "tokenizer.json is not valid JSON: " + e.getMessage(), e);
        }
        int maxId = maxId(file, root, modelVocab);
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, OPTIONS);
            return new Tokenizer(hf, maxId);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(file, "cannot load tokenizer.json: " + e.getMessage(), e);
        }
    }

    /**
     * A tokenizer from {@code tokenizer.json} content built in memory (a GGUF file's vocabulary).
     *
     * @param origin the file it came from, for messages
     */
    public static Tokenizer fromJson(JsonNode root, Path origin, int modelVocab) {
        int maxId = maxId(origin, root, modelVocab);
        try {
            byte[] json = new ObjectMapper().writeValueAsBytes(root);
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS);
            return new Tokenizer(hf, maxId);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(origin, "cannot build the tokenizer: " + e.getMessage(), e);
        }
    }

    private static final Map<String, String> OPTIONS =
            Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true");

    /** Largest id in the vocabulary and the added tokens, which must have embedding rows; also rejects non-tokenizer JSON. */
    private static int maxId(Path file, JsonNode root, int modelVocab) {
        int maxId = maxId(file, root);
        if (maxId >= modelVocab) {
            throw new ModelLoadException(file, "tokenizer has token id " + maxId
                    + " but the model's embedding has only " + modelVocab + " rows (vocab_size in config.json)");
        }
        return maxId;
    }

    private static int maxId(Path file, JsonNode root) {
        JsonNode vocab = root == null ? null : root.path("model").get("vocab");
        if (vocab == null || !(vocab.isObject() || vocab.isArray())) {
            throw new ModelLoadException(file, "tokenizer.json has no model.vocab");
        }
        int max = -1;
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                max = Math.max(max, id.asInt());
            }
        } else {
            max = vocab.size() - 1; // Unigram: a list of [piece, score]
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt());
        }
        return max;
    }

    /** Encodes text; {@code addSpecialTokens} applies the tokenizer's post-processor (e.g. BOS). */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Decodes without special tokens such as BOS. */
    public String decodeText(int[] ids) {
        if (ids.length == 1 && ids[0] >= 0 && ids[0] <= maxId) {
            String piece = pieces[ids[0]];
            if (piece == null) {
                piece = decode(ids, true);
                pieces[ids[0]] = piece;
            }
            return piece;
        }
        return decode(ids, true);
    }

    private String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, skipSpecialTokens);
    }

    public int maxId() {
        return maxId;
    }

    @Override
    public void close() {
        hf.close();
    }
}
