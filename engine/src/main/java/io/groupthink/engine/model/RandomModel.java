package io.groupthink.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face folder with random weights, for tests and benchmarks: any size, every
 * supported family, one file or several shards, F32, F16 or BF16. The tokenizer is a Llama-style
 * byte-fallback BPE whose vocabulary covers every embedding row.
 */
public final class RandomModel {

    /** What to generate. */
    public record Spec(String modelType, int hidden, int intermediate, int layers, int heads, int kvHeads,
            int headDim, int vocab, int maxPositions, boolean tied, DType dtype, int shards, long seed,
            boolean llama3RopeScaling) {

        /** A tiny Llama with GQA (8 query heads, 2 KV heads). */
        public static Spec tiny(String type) {
            return new Spec(type, 64, 160, 2, 8, 2, 8, 300, 512, false, DType.F32, 1, 42, false);
        }

        /** Qwen2.5-0.5B's shapes (24 layers, 896 wide, 14/2 heads, 4864 FFN, 151936 vocab, tied). */
        public static Spec qwen25HalfB() {
            return new Spec("qwen2", 896, 4864, 24, 14, 2, 64, 151936, 32768, true, DType.BF16, 1, 7, false);
        }

        public Spec with(DType d, int nShards) {
            return new Spec(modelType, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions,
                    tied, d, nShards, seed, llama3RopeScaling);
        }

        public Spec tied(boolean t) {
            return new Spec(modelType, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions,
                    t, dtype, shards, seed, llama3RopeScaling);
        }

        public Spec ropeScaling(boolean on) {
            return new Spec(modelType, hidden, intermediate, layers, heads, kvHeads, headDim, vocab, maxPositions,
                    tied, dtype, shards, seed, on);
        }
    }

    private RandomModel() {}

    public static Path write(Spec s, Path dir) throws IOException {
        return write(s, dir, null);
    }

    /**
     * With {@code tokenizerDir}, the model takes a real model's tokenizer.json and tokenizer_config.json (chat
     * template included) from that folder instead of the synthetic tokenizer: the vocabulary grows to cover it,
     * BOS/EOS ids come from its special tokens, and generation_config.json lists the stop tokens as the real model's
     * does (its EOS and, for ChatML models, {@code <|endoftext|>}).
     */
    public static Path write(Spec s, Path dir, Path tokenizerDir) throws IOException {
        Files.createDirectories(dir);
        int[] bosEos = {1, 2};
        if (tokenizerDir != null) {
            Borrowed t = borrowTokenizer(tokenizerDir, dir);
            s = new Spec(s.modelType(), s.hidden(), s.intermediate(), s.layers(), s.heads(), s.kvHeads(), s.headDim(),
                    Math.max(s.vocab(), t.vocab()), s.maxPositions(), s.tied(), s.dtype(), s.shards(), s.seed(),
                    s.llama3RopeScaling());
            bosEos = new int[] {t.bos(), t.eos()};
        } else {
            writeTokenizer(s, dir);
        }
        writeConfig(s, dir, bosEos[0], bosEos[1]);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        shapes.put("model.embed_tokens.weight", new long[] {s.vocab(), s.hidden()});
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {s.hidden()});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {q, s.hidden()});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, s.hidden()});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, s.hidden()});
            if (s.modelType().equals("qwen2")) {
                shapes.put(p + "self_attn.q_proj.bias", new long[] {q});
                shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
                shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (s.modelType().equals("qwen3")) {
                shapes.put(p + "self_attn.q_norm.weight", new long[] {s.headDim()});
                shapes.put(p + "self_attn.k_norm.weight", new long[] {s.headDim()});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {s.hidden(), q});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {s.hidden()});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {s.intermediate(), s.hidden()});
            shapes.put(p + "mlp.up_proj.weight", new long[] {s.intermediate(), s.hidden()});
            shapes.put(p + "mlp.down_proj.weight", new long[] {s.hidden(), s.intermediate()});
        }
        shapes.put("model.norm.weight", new long[] {s.hidden()});
        if (!s.tied()) {
            shapes.put("lm_head.weight", new long[] {s.vocab(), s.hidden()});
        }
        SplittableRandom random = new SplittableRandom(s.seed());
        List<SafetensorsWriter> shards = new ArrayList<>();
        for (int i = 0; i < s.shards(); i++) {
            shards.add(new SafetensorsWriter());
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        int i = 0;
        for (var e : shapes.entrySet()) {
            int shard = (int) ((long) i++ * s.shards() / shapes.size());
            shards.get(shard).add(e.getKey(), e.getValue(), values(e.getKey(), e.getValue(), random));
            weightMap.put(e.getKey(), shardName(shard, s.shards()));
        }
        if (s.shards() == 1) {
            shards.get(0).write(dir.resolve(ModelFolder.WEIGHTS), s.dtype());
        } else {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode index = mapper.createObjectNode();
            long total = 0;
            for (int k = 0; k < shards.size(); k++) {
                shards.get(k).write(dir.resolve(shardName(k, s.shards())), s.dtype());
                total += shards.get(k).byteSize(s.dtype());
            }
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.WEIGHTS_INDEX).toFile(), index);
        }
        return dir;
    }

    private static String shardName(int k, int n) {
        return n == 1 ? ModelFolder.WEIGHTS : String.format("model-%05d-of-%05d.safetensors", k + 1, n);
    }

    /** Norm weights near 1, everything else scaled by 1/sqrt(fan-in) so activations stay O(1). */
    private static float[] values(String name, long[] shape, SplittableRandom r) {
        int n = Math.toIntExact(shape[0] * (shape.length > 1 ? shape[1] : 1));
        float[] v = new float[n];
        boolean norm = name.endsWith("norm.weight");
        double scale = norm ? 0.1 : name.contains("embed") ? 1.0 : 1.0 / Math.sqrt(shape.length > 1 ? shape[1] : 1);
        for (int i = 0; i < n; i++) {
            double u = (r.nextDouble() * 2 - 1) * Math.sqrt(3); // unit variance
            v[i] = (float) ((norm ? 1.0 : 0.0) + scale * u);
        }
        return v;
    }

    private record Borrowed(int vocab, int bos, int eos) {}

    /** The vocabulary size a written model's config.json declares. */
    public static int vocabOf(Path dir) throws IOException {
        return new ObjectMapper().readTree(dir.resolve(ModelFolder.CONFIG).toFile()).path("vocab_size").asInt();
    }

    private static Borrowed borrowTokenizer(Path from, Path dir) throws IOException {
        Path json = from.resolve(ModelFolder.TOKENIZER);
        Path config = from.resolve(ModelFolder.TOKENIZER_CONFIG);
        if (!Files.isRegularFile(json) || !Files.isRegularFile(config)) {
            throw new IOException(from + " must hold " + ModelFolder.TOKENIZER + " and " + ModelFolder.TOKENIZER_CONFIG);
        }
        ObjectMapper mapper = new ObjectMapper();
        var tokenizer = mapper.readTree(json.toFile());
        var tc = mapper.readTree(config.toFile());
        Map<String, Integer> ids = new LinkedHashMap<>();
        tokenizer.path("model").path("vocab").fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        tokenizer.path("added_tokens").forEach(a -> ids.put(a.path("content").asText(), a.path("id").asInt()));
        int max = ids.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int vocab = (max + 1 + 127) / 128 * 128; // real checkpoints pad the embedding rows to a multiple of 128
        String eosText = ChatTemplate.tokenText(tc.get("eos_token"));
        String bosText = ChatTemplate.tokenText(tc.get("bos_token"));
        Integer eos = ids.get(eosText);
        if (eos == null) {
            throw new IOException(config + ": eos_token " + eosText + " is not in " + json);
        }
        Integer endOfText = ids.get("<|endoftext|>");
        Integer bos = bosText != null && ids.containsKey(bosText) ? ids.get(bosText) : endOfText != null ? endOfText : eos;
        List<Integer> stops = endOfText != null && !endOfText.equals(eos) ? List.of(eos, endOfText) : List.of(eos);
        Files.copy(json, dir.resolve(ModelFolder.TOKENIZER), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(config, dir.resolve(ModelFolder.TOKENIZER_CONFIG), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ObjectNode gc = mapper.createObjectNode();
        gc.put("bos_token_id", bos);
        ArrayNode eosIds = gc.putArray("eos_token_id");
        stops.forEach(eosIds::add);
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.GENERATION_CONFIG).toFile(), gc);
        return new Borrowed(vocab, bos, eos);
    }

    /** config.json with the generated tokenizer's BOS (1) and EOS (2). */
    public static void writeConfig(Spec s, Path dir) throws IOException {
        writeConfig(s, dir, 1, 2);
    }

    private static void writeConfig(Spec s, Path dir, int bos, int eosId) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode c = mapper.createObjectNode();
        String arch = switch (s.modelType()) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        };
        c.putArray("architectures").add(arch);
        c.put("model_type", s.modelType());
        c.put("vocab_size", s.vocab());
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", s.maxPositions());
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", s.modelType().startsWith("qwen") ? 1000000.0 : 10000.0);
        if (s.llama3RopeScaling()) {
            ObjectNode rs = c.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", 8.0);
            rs.put("low_freq_factor", 1.0);
            rs.put("high_freq_factor", 4.0);
            rs.put("original_max_position_embeddings", 64);
        }
        c.put("tie_word_embeddings", s.tied());
        c.put("bos_token_id", bos);
        c.putArray("eos_token_id").add(eosId); // generation_config.json lists every stop token
        c.put("torch_dtype", s.dtype() == DType.F32 ? "float32" : s.dtype() == DType.BF16 ? "bfloat16" : "float16");
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.CONFIG).toFile(), c);
    }

    /** The special tokens every generated tokenizer starts with: ids 0, 1 (BOS) and 2 (EOS). */
    public static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>");

    /**
     * The parts of a {@code tokenizer.json} that generated tokenizers share: the three special
     * tokens and a post-processor that puts BOS in front; the caller adds the model and the rest.
     */
    public static ObjectNode tokenizerWithSpecials(ObjectMapper mapper) {
        ObjectNode t = mapper.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIALS.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode post = t.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens").putObject("<s>");
        st.put("id", "<s>");
        st.putArray("ids").add(1);
        st.putArray("tokens").add("<s>");
        return t;
    }

    /** Byte-fallback BPE: ids 0-2 special, 3-258 bytes, the rest opaque pieces (decodable, not produced by encode). */
    private static void writeTokenizer(Spec s, Path dir) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode t = tokenizerWithSpecials(mapper);
        ObjectNode normalizer = t.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        t.putNull("pre_tokenizer");
        ObjectNode decoder = t.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decs = decoder.putArray("decoders");
        ObjectNode dr = decs.addObject().put("type", "Replace");
        dr.putObject("pattern").put("String", "\u2581");
        dr.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < 3; i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), 3 + b);
        }
        vocab.put("\u2581", 259);
        for (int id = 260; id < s.vocab(); id++) {
            vocab.put("\u2581w" + id, id);
        }
        model.putArray("merges");
        mapper.writeValue(dir.resolve(ModelFolder.TOKENIZER).toFile(), t);
        ObjectNode tc = mapper.createObjectNode();
        tc.put("bos_token", "<s>").put("eos_token", "</s>").put("add_bos_token", true);
        mapper.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(ModelFolder.TOKENIZER_CONFIG).toFile(), tc);
    }
}
