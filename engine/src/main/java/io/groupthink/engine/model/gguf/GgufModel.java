package io.groupthink.engine.model.gguf;

import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.GenerationConfig;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.ModelSource;
import io.groupthink.engine.model.RawTensor;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.tokenizer.GgufTokenizer;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A model held in one GGUF file (as llama.cpp, Ollama and LM Studio keep them): the configuration
 * from the {@code ARCH.*} metadata, the tokenizer and chat template from {@code tokenizer.*}, and the
 * weights under llama.cpp's tensor names, served by their Hugging Face names.
 *
 * <p>llama.cpp's converter permutes the rows of the Q and K projections of {@code llama}-architecture
 * models (Hugging Face's rotate-half RoPE to ggml's interleaved pairs); the engine computes RoPE the
 * Hugging Face way, so those rows are permuted back here. Rows are whole blocks in every ggml type,
 * so this works on the raw (possibly quantized) data.
 */
public final class GgufModel implements ModelSource {

    /** Architectures whose Q/K rows the converter interleaved (llama.cpp's LlamaModel.permute). */
    static final Set<String> PERMUTED = Set.of("llama", "mistral");

    private final GgufFile file;
    private final String arch;
    private final ModelConfig config;
    private final List<Integer> stopIds;

    private GgufModel(GgufFile file, String arch, ModelConfig config, List<Integer> stopIds) {
        this.file = file;
        this.arch = arch;
        this.config = config;
        this.stopIds = stopIds;
    }

    public static GgufModel open(Path path) {
        GgufFile f = GgufFile.open(path);
        String arch = f.string("general.architecture");
        if (!ModelConfig.SUPPORTED_TYPES.contains(arch)) {
            throw new ModelLoadException(path, "unsupported architecture '" + arch + "' in metadata key "
                    + "'general.architecture'; supported: llama, mistral, qwen2, qwen3");
        }
        List<String> tokens = f.array("tokenizer.ggml.tokens", String.class);
        GgufFile.TensorInfo embed = f.tensors().get("token_embd.weight");
        if (embed == null) {
            throw new ModelLoadException(path, "tensor 'token_embd.weight' is missing");
        }
        int vocab = (int) Math.min(Integer.MAX_VALUE, embed.dims()[embed.dims().length - 1]);
        if (tokens.size() > vocab) {
            throw new ModelLoadException(path, "metadata key 'tokenizer.ggml.tokens' lists " + tokens.size()
                    + " tokens but 'token_embd.weight' has only " + vocab + " rows");
        }
        ModelConfig config = config(f, arch, vocab);
        List<Integer> stops = new ArrayList<>();
        for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                "tokenizer.ggml.eom_token_id")) {
            if (f.has(key)) {
                GgufTokenizer.token(f, tokens, key); // checks the id is in the vocabulary
                stops.add(f.integer(key, 0));
            }
        }
        return new GgufModel(f, arch, config, List.copyOf(new LinkedHashSet<>(stops)));
    }

    private static ModelConfig config(GgufFile f, String arch, int vocab) {
        String a = arch + ".";
        int hidden = f.integer(a + "embedding_length", 1);
        int layers = f.integer(a + "block_count", 1);
        int ffn = f.integer(a + "feed_forward_length", 1);
        int heads = f.integer(a + "attention.head_count", 1);
        int kvHeads = f.integer(a + "attention.head_count_kv", 1, heads);
        if (heads % kvHeads != 0) {
            throw new ModelLoadException(f.path(), "metadata key '" + a + "attention.head_count_kv' (" + kvHeads
                    + ") must divide '" + a + "attention.head_count' (" + heads + ")");
        }
        int headDim;
        if (f.has(a + "attention.key_length")) {
            headDim = f.integer(a + "attention.key_length", 2);
        } else if (hidden % heads == 0) {
            headDim = hidden / heads;
        } else {
            throw new ModelLoadException(f.path(), "'" + a + "embedding_length' (" + hidden + ") is not divisible by '"
                    + a + "attention.head_count' (" + heads + ") and no '" + a + "attention.key_length' is given");
        }
        if (headDim % 2 != 0) {
            throw new ModelLoadException(f.path(), "head size " + headDim + " must be even for rotary embedding");
        }
        if (f.has(a + "attention.value_length") && f.integer(a + "attention.value_length", 1) != headDim) {
            throw new ModelLoadException(f.path(), "metadata key '" + a + "attention.value_length' differs from the key "
                    + "length " + headDim + "; only equal key and value sizes are supported");
        }
        if (f.has(a + "rope.dimension_count") && f.integer(a + "rope.dimension_count", 1) != headDim) {
            throw new ModelLoadException(f.path(), "metadata key '" + a + "rope.dimension_count' ("
                    + f.integer(a + "rope.dimension_count", 1) + ") is not the head size " + headDim
                    + "; partial rotary embedding is not supported");
        }
        String scaling = f.string(a + "rope.scaling.type", "none");
        if (!scaling.equals("none")) {
            throw new ModelLoadException(f.path(), "unsupported rope scaling '" + scaling + "' in metadata key '" + a
                    + "rope.scaling.type'");
        }
        int maxPos = f.integer(a + "context_length", 1, 2048);
        double eps = f.positive(a + "attention.layer_norm_rms_epsilon", 1e-5);
        double theta = f.positive(a + "rope.freq_base", 10000.0);
        boolean tied = !f.tensors().containsKey("output.weight");
        boolean bias = f.tensors().containsKey("blk.0.attn_q.bias");
        boolean qkNorm = f.tensors().containsKey("blk.0.attn_q_norm.weight");
        int bos = f.integer("tokenizer.ggml.bos_token_id", 0, 1);
        List<Integer> eos = f.has("tokenizer.ggml.eos_token_id")
                ? List.of(f.integer("tokenizer.ggml.eos_token_id", 0)) : List.of();
        ModelConfig.RopeScaling rope = ropeFreqs(f, headDim);
        return new ModelConfig(arch, hidden, ffn, layers, heads, kvHeads, headDim, vocab, maxPos, eps, theta, rope,
                tied, bias, qkNorm, bos, eos);
    }

    /**
     * Llama 3.1-style scaling as llama.cpp's converter writes it: a tensor {@code rope_freqs.weight} of
     * hd/2 divisors of the rotary frequencies (F32), or null without one.
     */
    private static ModelConfig.RopeScaling ropeFreqs(GgufFile f, int headDim) {
        GgufFile.TensorInfo t = f.tensors().get("rope_freqs.weight");
        if (t == null) {
            return null;
        }
        if (t.type() != GgmlType.F32 || t.dims().length != 1 || t.dims()[0] != headDim / 2) {
            throw new ModelLoadException(f.path(), "tensor 'rope_freqs.weight' must be F32 of " + headDim / 2
                    + " values (half the head size), got " + t.type() + " " + java.util.Arrays.toString(t.dims()));
        }
        float[] divisors = new float[headDim / 2];
        f.map(t).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(divisors);
        for (int i = 0; i < divisors.length; i++) {
            if (!(divisors[i] > 0) || Float.isInfinite(divisors[i])) {
                throw new ModelLoadException(f.path(), "tensor 'rope_freqs.weight' value " + i + " is "
                        + divisors[i] + "; rope frequency factors must be positive and finite");
            }
        }
        return new ModelConfig.RopeScaling.Divisors(divisors);
    }

    public GgufFile file() {
        return file;
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Tokenizer tokenizer() {
        return GgufTokenizer.load(file, config.vocabSize());
    }

    @Override
    public ChatTemplate chatTemplate() {
        return chatTemplate(file);
    }

    /** {@code tokenizer.chat_template}, with the BOS and EOS token texts it may refer to. */
    static ChatTemplate chatTemplate(GgufFile file) {
        List<String> tokens = file.array("tokenizer.ggml.tokens", String.class);
        String bos = file.has("tokenizer.ggml.bos_token_id")
                ? GgufTokenizer.token(file, tokens, "tokenizer.ggml.bos_token_id") : null;
        String eos = file.has("tokenizer.ggml.eos_token_id")
                ? GgufTokenizer.token(file, tokens, "tokenizer.ggml.eos_token_id") : null;
        return new ChatTemplate(file.string("tokenizer.chat_template", null), bos, eos, file.path());
    }

    @Override
    public GenerationConfig generationConfig() {
        return new GenerationConfig(stopIds, null, null, null, null, null);
    }

    @Override
    public boolean hasTensor(String name) {
        return file.tensors().containsKey(ggufName(name));
    }

    @Override
    public RawTensor weight(String name) {
        String g = ggufName(name);
        GgufFile.TensorInfo t = file.tensors().get(g);
        if (t == null) {
            throw new ModelLoadException(file.path(), "tensor '" + g + "' is missing (the engine's '" + name + "')");
        }
        if (!t.type().supported()) {
            throw new ModelLoadException(file.path(), "tensor '" + g + "' has ggml type " + t.type()
                    + ", which this engine cannot read (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
        }
        ByteBuffer data = file.map(t);
        if (PERMUTED.contains(arch) && (g.endsWith(".attn_q.weight") || g.endsWith(".attn_q.bias"))) {
            data = unpermute(file.path(), data, t, config.numHeads());
        } else if (PERMUTED.contains(arch) && (g.endsWith(".attn_k.weight") || g.endsWith(".attn_k.bias"))) {
            data = unpermute(file.path(), data, t, config.numKvHeads());
        }
        return new RawTensor(g, t.type(), t.shape(), data, file.path());
    }

    /**
     * Undoes llama.cpp's Q/K permutation: within each head, ggml row 2i + c holds Hugging Face row
     * c * headDim/2 + i (c in {0, 1}). Works on whole rows of raw bytes.
     */
    static ByteBuffer unpermute(Path path, ByteBuffer data, GgufFile.TensorInfo t, int heads) {
        long rows = t.dims().length == 1 ? t.dims()[0] : t.elementCount() / t.dims()[0];
        int rowBytes = (int) (t.dims().length == 1 ? t.type().rowBytes(1) : t.type().rowBytes(t.dims()[0]));
        if (t.dims().length == 1 && t.type().quantized()) {
            throw new ModelLoadException(path, "tensor '" + t.name() + "' is a quantized vector");
        }
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new ModelLoadException(path, "tensor '" + t.name() + "' has " + rows + " rows, not "
                    + heads + " heads of an even size");
        }
        int headDim = (int) (rows / heads);
        ByteBuffer src = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < headDim / 2; i++) {
                    int hfRow = h * headDim + c * headDim / 2 + i;
                    int ggmlRow = h * headDim + 2 * i + c;
                    out.put(hfRow * rowBytes, src.slice(ggmlRow * rowBytes, rowBytes), 0, rowBytes);
                }
            }
        }
        return out;
    }

    @Override
    public List<Integer> unexpectedLayers() {
        TreeSet<Integer> extra = new TreeSet<>();
        for (String name : file.tensors().keySet()) {
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                try {
                    int layer = Integer.parseInt(name.substring(4, dot < 0 ? name.length() : dot));
                    if (layer >= config.numLayers()) {
                        extra.add(layer);
                    }
                } catch (NumberFormatException ignored) {
                    // not a block tensor of the usual form
                }
            }
        }
        return new ArrayList<>(extra);
    }

    @Override
    public Map<String, Integer> tensorTypes() {
        Map<String, Integer> counts = new TreeMap<>();
        file.tensors().values().forEach(t -> counts.merge(t.type().name(), 1, Integer::sum));
        return counts;
    }

    /** llama.cpp's name for a Hugging Face tensor name (as its convert_hf_to_gguf.py maps them). */
    static String ggufName(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
            default:
                break;
        }
        String prefix = "model.layers.";
        if (!hf.startsWith(prefix)) {
            return hf;
        }
        int dot = hf.indexOf('.', prefix.length());
        String layer = hf.substring(prefix.length(), dot);
        String rest = hf.substring(dot + 1);
        String suffix = rest.substring(rest.lastIndexOf('.')); // .weight or .bias
        String part = rest.substring(0, rest.lastIndexOf('.'));
        String g = switch (part) {
            case "input_layernorm" -> "attn_norm";
            case "self_attn.q_proj" -> "attn_q";
            case "self_attn.k_proj" -> "attn_k";
            case "self_attn.v_proj" -> "attn_v";
            case "self_attn.o_proj" -> "attn_output";
            case "self_attn.q_norm" -> "attn_q_norm";
            case "self_attn.k_norm" -> "attn_k_norm";
            case "post_attention_layernorm" -> "ffn_norm";
            case "mlp.gate_proj" -> "ffn_gate";
            case "mlp.up_proj" -> "ffn_up";
            case "mlp.down_proj" -> "ffn_down";
            default -> part;
        };
        return "blk." + layer + "." + g + suffix;
    }
}
