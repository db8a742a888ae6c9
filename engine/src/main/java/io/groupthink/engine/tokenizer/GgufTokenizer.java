package io.groupthink.engine.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.gguf.GgufFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file's tokenizer, rebuilt as the Hugging Face {@code tokenizer.json} the model was converted
 * from and loaded through {@link Tokenizer}, so both kinds encode with the same, proven code:
 * <ul>
 *   <li>{@code llama}: SentencePiece BPE (tokens, scores, token types, byte fallback). The merges are
 *       derived from the vocabulary as transformers' converter does: every split of a piece into two
 *       pieces of the vocabulary, ordered by the piece's score, then by the two ids.</li>
 *   <li>{@code gpt2}: byte-level BPE (tokens and merges); {@code tokenizer.ggml.pre} selects the
 *       pre-tokenizer (llama.cpp's names).</li>
 * </ul>
 * Control tokens (type 3) become special added tokens, user-defined ones (type 4) plain added tokens.
 */
public final class GgufTokenizer {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int BYTE = 6;

    /** llama.cpp's pre-tokenizer names and the split regex of the tokenizer.json it stands for. */
    static final Map<String, String> PRE_REGEX = Map.of(
            "qwen2", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    private GgufTokenizer() {}

    public static Tokenizer load(GgufFile f, int modelVocab) {
        return Tokenizer.fromJson(tokenizerJson(f), f.path(), modelVocab);
    }

    /** The tokenizer.json equivalent of the file's {@code tokenizer.ggml.*} metadata. */
    public static ObjectNode tokenizerJson(GgufFile f) {
        String kind = f.string("tokenizer.ggml.model");
        List<String> tokens = f.array("tokenizer.ggml.tokens", String.class);
        if (tokens.isEmpty()) {
            throw new ModelLoadException(f.path(), "metadata key 'tokenizer.ggml.tokens' is empty");
        }
        int[] types = tokenTypes(f, tokens.size());
        ObjectNode root = J.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.set("added_tokens", addedTokens(tokens, types));
        switch (kind) {
            case "llama" -> sentencePiece(f, tokens, types, root);
            case "gpt2" -> byteLevel(f, tokens, root);
            default -> throw new ModelLoadException(f.path(), "unsupported tokenizer kind '" + kind
                    + "' in metadata key 'tokenizer.ggml.model'; supported: llama (SentencePiece), gpt2 (byte-level BPE)");
        }
        return root;
    }

    private static int[] tokenTypes(GgufFile f, int n) {
        int[] types = new int[n];
        java.util.Arrays.fill(types, NORMAL);
        if (f.has("tokenizer.ggml.token_type")) {
            List<Long> t = f.array("tokenizer.ggml.token_type", Long.class);
            if (t.size() != n) {
                throw new ModelLoadException(f.path(), "metadata key 'tokenizer.ggml.token_type' has " + t.size()
                        + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                types[i] = (int) (long) t.get(i);
            }
        }
        return types;
    }

    private static ArrayNode addedTokens(List<String> tokens, int[] types) {
        ArrayNode added = J.arrayNode();
        for (int id = 0; id < tokens.size(); id++) {
            if (types[id] == CONTROL || types[id] == USER_DEFINED || types[id] == UNKNOWN) {
                ObjectNode t = added.addObject();
                t.put("id", id);
                t.put("content", tokens.get(id));
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", types[id] != USER_DEFINED);
            }
        }
        return added;
    }

    private static void sentencePiece(GgufFile f, List<String> tokens, int[] types, ObjectNode root) {
        List<Float> scores = f.has("tokenizer.ggml.scores") ? f.array("tokenizer.ggml.scores", Float.class) : null;
        if (scores != null && scores.size() != tokens.size()) {
            throw new ModelLoadException(f.path(), "metadata key 'tokenizer.ggml.scores' has " + scores.size()
                    + " entries for " + tokens.size() + " tokens");
        }
        Map<String, Integer> vocab = vocab(tokens);
        boolean spacePrefix = f.bool("tokenizer.ggml.add_space_prefix", true);
        ArrayNode normalizers = J.arrayNode();
        if (spacePrefix) {
            normalizers.addObject().put("type", "Prepend").put("prepend", "\u2581");
        }
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putObject("normalizer").put("type", "Sequence").set("normalizers", normalizers);
        root.putNull("pre_tokenizer");
        postProcessor(f, tokens, root, null);
        ArrayNode decoders = J.arrayNode();
        ObjectNode space = decoders.addObject().put("type", "Replace");
        space.putObject("pattern").put("String", "\u2581");
        space.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        if (spacePrefix) {
            decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        }
        root.putObject("decoder").put("type", "Sequence").set("decoders", decoders);

        // Merges from the vocabulary: for each piece, every split into two known pieces; pieces by score.
        record Merge(String left, String right, float score, int leftId, int rightId) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            if (types[id] != NORMAL && types[id] != USER_DEFINED) {
                continue;
            }
            String piece = tokens.get(id);
            float score = scores == null ? -id : scores.get(id);
            for (int cut = piece.offsetByCodePoints(0, 1); cut < piece.length(); cut = piece.offsetByCodePoints(cut, 1)) {
                Integer l = vocab.get(piece.substring(0, cut));
                Integer r = vocab.get(piece.substring(cut));
                if (l != null && r != null) {
                    merges.add(new Merge(piece.substring(0, cut), piece.substring(cut), score, l, r));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::leftId)
                .thenComparingInt(Merge::rightId));
        ObjectNode model = bpe(vocab, root);
        String unk = null;
        for (int id = 0; id < tokens.size() && unk == null; id++) {
            if (types[id] == UNKNOWN) {
                unk = tokens.get(id);
            }
        }
        if (unk == null) {
            model.putNull("unk_token");
        } else {
            model.put("unk_token", unk);
        }
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ArrayNode m = model.putArray("merges");
        merges.forEach(x -> m.add(x.left() + " " + x.right()));
    }

    private static void byteLevel(GgufFile f, List<String> tokens, ObjectNode root) {
        String pre = f.string("tokenizer.ggml.pre", "default");
        ObjectNode byteLevel = J.objectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", false);
        if (pre.equals("default") || pre.equals("gpt-2")) {
            root.putNull("normalizer");
            root.set("pre_tokenizer", byteLevel.deepCopy().put("use_regex", true));
        } else if (PRE_REGEX.containsKey(pre)) {
            if (pre.equals("qwen2")) {
                root.putObject("normalizer").put("type", "NFC");
            } else {
                root.putNull("normalizer");
            }
            ArrayNode seq = J.arrayNode();
            ObjectNode split = seq.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", PRE_REGEX.get(pre));
            split.put("behavior", "Isolated").put("invert", false);
            seq.add(byteLevel.deepCopy().put("use_regex", false));
            root.putObject("pre_tokenizer").put("type", "Sequence").set("pretokenizers", seq);
        } else {
            throw new ModelLoadException(f.path(), "unsupported pre-tokenizer '" + pre
                    + "' in metadata key 'tokenizer.ggml.pre'; supported: default, gpt-2, " + String.join(", ",
                    PRE_REGEX.keySet().stream().sorted().toList()));
        }
        postProcessor(f, tokens, root, byteLevel.deepCopy().put("use_regex", false));
        root.set("decoder", byteLevel.deepCopy().put("use_regex", false));
        ObjectNode model = bpe(vocab(tokens), root);
        model.putNull("unk_token");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", pre.equals("llama-bpe"));
        ArrayNode merges = model.putArray("merges");
        f.array("tokenizer.ggml.merges", String.class).forEach(merges::add);
    }

    private static ObjectNode bpe(Map<String, Integer> vocab, ObjectNode root) {
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        ObjectNode v = model.putObject("vocab");
        vocab.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> v.put(e.getKey(), e.getValue()));
        return model;
    }

    /** Token to id; a repeated token keeps its first id (as llama.cpp's vocabulary does). */
    private static Map<String, Integer> vocab(List<String> tokens) {
        Map<String, Integer> vocab = new HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            vocab.putIfAbsent(tokens.get(id), id);
        }
        return vocab;
    }

    /** BOS (and EOS) around the text when the file asks for them; otherwise {@code fallback} (may be null). */
    private static void postProcessor(GgufFile f, List<String> tokens, ObjectNode root, ObjectNode fallback) {
        boolean defaultBos = f.string("tokenizer.ggml.model").equals("llama");
        boolean addBos = f.bool("tokenizer.ggml.add_bos_token", defaultBos) && f.has("tokenizer.ggml.bos_token_id");
        boolean addEos = f.bool("tokenizer.ggml.add_eos_token", false) && f.has("tokenizer.ggml.eos_token_id");
        if (!addBos && !addEos) {
            root.set("post_processor", fallback);
            return;
        }
        String bos = addBos ? token(f, tokens, "tokenizer.ggml.bos_token_id") : null;
        String eos = addEos ? token(f, tokens, "tokenizer.ggml.eos_token_id") : null;
        ArrayNode single = J.arrayNode();
        ArrayNode pair = J.arrayNode();
        template(single, bos, "A", eos, 0);
        template(pair, bos, "A", eos, 0);
        template(pair, bos, "B", eos, 1);
        ObjectNode specials = J.objectNode();
        if (bos != null) {
            special(specials, bos, f.integer("tokenizer.ggml.bos_token_id", 0));
        }
        if (eos != null) {
            special(specials, eos, f.integer("tokenizer.ggml.eos_token_id", 0));
        }
        ObjectNode p = root.putObject("post_processor");
        p.put("type", "TemplateProcessing");
        p.set("single", single);
        p.set("pair", pair);
        p.set("special_tokens", specials);
    }

    private static void template(ArrayNode list, String bos, String seq, String eos, int typeId) {
        if (bos != null) {
            list.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
        }
        list.addObject().putObject("Sequence").put("id", seq).put("type_id", typeId);
        if (eos != null) {
            list.addObject().putObject("SpecialToken").put("id", eos).put("type_id", typeId);
        }
    }

    private static void special(ObjectNode specials, String token, int id) {
        ObjectNode s = specials.putObject(token);
        s.put("id", token);
        s.putArray("ids").add(id);
        s.putArray("tokens").add(token);
    }

    /** The text of the token whose id is stored under {@code key}; the id must be in the vocabulary. */
    public static String token(GgufFile f, List<String> tokens, String key) {
        int id = f.integer(key, 0);
        if (id >= tokens.size()) {
            throw new ModelLoadException(f.path(), "metadata key '" + key + "' is token id " + id
                    + ", outside the vocabulary of " + tokens.size());
        }
        return tokens.get(id);
    }
}
