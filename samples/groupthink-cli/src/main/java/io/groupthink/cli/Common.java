package io.groupthink.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ollama.OllamaStore;
import io.groupthink.engine.train.ShippedModel;
import io.groupthink.engine.runtime.LinearFactory;
import io.groupthink.engine.sampling.SamplingOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** Options and helpers shared by the model commands. */
final class Common {

    static final ObjectMapper JSON = new ObjectMapper();

    static final Options.Spec MODEL = Options.Spec.value("--model", "DIR|FILE|ID",
            "Hugging Face model folder (config.json, model.safetensors, tokenizer.json), a GGUF file, "
                    + "ollama:NAME[:TAG] (a model pulled with Ollama, from $OLLAMA_MODELS or ~/.ollama/models), "
                    + "or a hub id such as Qwen/Qwen2.5-0.5B-Instruct, pulled into the HF cache on first use");
    static final Options.Spec LINEAR = Options.Spec.value("--linear", "KIND",
            "matrix products: auto (measure once, default), kernel (Vector API few-row kernel, bf16 weights "
                    + "kept as bf16; needs --add-modules jdk.incubator.vector), kernel-fp32 (the kernel, all fp32) "
                    + "or torch (LibTorch)");
    static final Options.Spec QUANTIZE = Options.Spec.value("--quantize", "TYPE",
            "quantize the weights at load for the kernel: none (default), q8_0 or q4_0 (ggml's block formats; "
                    + "at q4_0 the output matrix keeps q8_0 codes, as llama.cpp's quantizer does)");
    static final Options.Spec THREADS = Options.Spec.value("--threads", "N",
            "LibTorch intra-op threads (default: all cores)");
    static final Options.Spec JSON_FLAG = Options.Spec.flag("--json", "print one JSON object on stdout instead of text");
    static final Options.Spec LOGITS = Options.Spec.value("--logits", "K",
            "with --json, record the top-K [id, logit] pairs of every generated step");
    /** Output and engine options shared by the commands that run a model. */
    static final List<Options.Spec> RUN_OPTIONS = List.of(JSON_FLAG, LOGITS, THREADS, LINEAR, QUANTIZE);
    static final Options.Spec PROMPT_FILE = Options.Spec.value("--prompt-file", "FILE", "read the text from FILE (UTF-8)"
            + ", or from standard input with -: for texts too long for an argument");

    /** The text given inline with {@code option}, or read with --prompt-file: exactly one of the two. */
    static String text(Options o, String option) {
        boolean inline = o.has(option);
        boolean file = o.has("--prompt-file");
        if (inline == file) {
            throw new UsageException("give " + option + " TEXT or --prompt-file FILE (- for standard input), "
                    + (inline ? "not both" : "one of them is required"));
        }
        if (inline) {
            return o.string(option, null);
        }
        String f = o.string("--prompt-file", null);
        try {
            byte[] bytes = f.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(f));
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException("--prompt-file " + f + ": not UTF-8 text");
        } catch (IOException | UncheckedIOException | java.nio.file.InvalidPathException e) {
            throw new UsageException("--prompt-file " + f + ": cannot read it (" + e.getMessage() + ")");
        }
    }
    static final List<Options.Spec> SAMPLING = List.of(
            Options.Spec.flag("--greedy", "greedy decoding (the default when no --temperature is given)"),
            Options.Spec.value("--temperature", "T", "sample at temperature T (0 = greedy)"),
            Options.Spec.value("--top-p", "P", "nucleus sampling mass in (0, 1] (default 1, off); needs --temperature"),
            Options.Spec.value("--top-k", "K", "keep the K most likely tokens (default 0, off); needs --temperature"),
            Options.Spec.value("--seed", "S", "sampling seed (default: random, reported in --json); needs --temperature"),
            Options.Spec.value("--repetition-penalty", "R", "CTRL-style penalty on repeated tokens, > 0 (default 1, off)"));

    private Common() {}

    /**
     * Loads the model named by --model, reporting progress on stderr; without --model, the shipped
     * enumeration model (commands that allow it).
     */
    static Loaded load(Options o, PrintStream err) {
        boolean shipped = !o.has("--model");
        String given = shipped ? "the shipped model " + ShippedModel.NAME : o.required("--model");
        int threads = o.intValue("--threads", 0, 1, 4096);
        String linear = o.choice("--linear", "auto", LinearFactory.NAMES);
        String quantize = o.choice("--quantize", "none", LinearFactory.QUANTIZE);
        Path dir = shipped ? ShippedModel.path() : resolveModel(given, err);
        err.print("Loading model " + given + " ... ");
        err.flush();
        long t0 = System.nanoTime();
        GroupThinkModel model;
        try {
            LinearFactory linears = LinearFactory.named(linear, threads, quantize); // null: the engine measures and picks
            model = GroupThinkModel.load(dir, new GroupThinkModel.Options(threads, false, linears, true)); // the CLI owns its JVM
        } catch (RuntimeException | Error e) {
            err.println("failed");
            throw e;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        ModelConfig c = model.config();
        err.printf(Locale.ROOT, "done in %.0f ms (%s, %d layers, hidden %d, vocab %d; tensors %s)%n", ms,
                c.modelType(), c.numLayers(), c.hiddenSize(), c.vocabSize(), model.tensorTypes());
        return new Loaded(given, model, ms);
    }

    /**
     * A folder or GGUF file as given, an {@code ollama:} name resolved through Ollama's store, or, when no such folder exists and the text looks like ORG/NAME, a model
     * pulled from the Hugging Face hub into its standard cache (reused on later runs).
     */
    static Path resolveModel(String given, PrintStream err) {
        if (given.startsWith(OllamaStore.PREFIX)) {
            return OllamaStore.resolveArgument(given);
        }
        Path dir = Paths.get(given);
        if (java.nio.file.Files.exists(dir) || !given.matches("[\\w.-]+/[\\w.-]+") || given.startsWith(".")) {
            return dir;
        }
        return io.groupthink.engine.hub.ModelPuller.fromEnvironment().pull(given, "main",
                new io.groupthink.engine.hub.TextProgressBar(err, System.console() != null));
    }

    /** How many tensors of each storage type the model file holds, for --json output. */
    static ObjectNode tensorTypes(GroupThinkModel model) {
        ObjectNode n = JSON.createObjectNode();
        model.tensorTypes().forEach(n::put);
        return n;
    }

    /** A loaded model, the path as the user gave it, and how long loading took. */
    record Loaded(String path, GroupThinkModel model, double loadMillis) implements AutoCloseable {
        @Override
        public void close() {
            model.close();
        }
    }

    /** Greedy unless --temperature is given; sampling-only options without it are an error. */
    static SamplingOptions sampling(Options o) {
        boolean greedy = o.flag("--greedy");
        boolean temperature = o.has("--temperature");
        for (String name : List.of("--temperature", "--top-p", "--top-k", "--seed")) {
            if (greedy && o.has(name)) {
                throw new UsageException("--greedy cannot be combined with " + name);
            }
            if (!temperature && !name.equals("--temperature") && o.has(name)) {
                throw new UsageException(name + " only applies when sampling; give --temperature T too");
            }
        }
        double penalty = o.doubleValue("--repetition-penalty", 1, 0, true, Double.POSITIVE_INFINITY);
        if (!temperature) {
            return new SamplingOptions(0, 0, 1, penalty, 0);
        }
        double t = o.doubleValue("--temperature", 0, 0, false, Double.POSITIVE_INFINITY);
        double topP = o.doubleValue("--top-p", 1, 0, true, 1);
        int topK = o.intValue("--top-k", 0, 0, Integer.MAX_VALUE);
        long seed = o.has("--seed") ? o.longValue("--seed", 0) : ThreadLocalRandom.current().nextLong();
        return new SamplingOptions(t, topK, topP, penalty, seed);
    }

    static ObjectNode samplingJson(SamplingOptions s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("greedy", s.greedy());
        n.put("temperature", s.temperature());
        n.put("top_p", s.topP());
        n.put("top_k", s.topK());
        n.put("repetition_penalty", s.repetitionPenalty());
        if (!s.greedy()) {
            n.put("seed", s.seed());
        }
        return n;
    }

    /** Per generated step, the top-K [id, logit] pairs. */
    static ArrayNode logitsJson(List<float[][]> steps) {
        ArrayNode out = JSON.createArrayNode();
        for (float[][] step : steps) {
            ArrayNode s = out.addArray();
            for (float[] pair : step) {
                ArrayNode p = s.addArray();
                p.add((int) pair[0]);
                if (Float.isFinite(pair[1])) {
                    p.add(pair[1]);
                } else {
                    p.addNull();
                }
            }
        }
        return out;
    }

    static ArrayNode ids(int[] ids) {
        ArrayNode a = JSON.createArrayNode();
        for (int id : ids) {
            a.add(id);
        }
        return a;
    }

    static String finishReason(GroupThinkResult.ThinkerResult t) {
        return t.finishReason() == null ? null : t.finishReason().name().toLowerCase(Locale.ROOT);
    }

    /** Milliseconds of the prefill passes (one per chunk under chunked prefill), from the session. */
    static double prefillMillis(GroupThinkResult r) {
        return r.prefillMillis();
    }

    /** Total milliseconds of the decode passes, from the session. */
    static double decodeMillis(GroupThinkResult r) {
        return r.decodeMillis();
    }

    /** Mean milliseconds of one decode pass, 0 when there was none. */
    static double meanDecodeMillis(GroupThinkResult r) {
        return r.decodeSteps() <= 0 ? 0 : r.decodeMillis() / r.decodeSteps();
    }

    static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return 0;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        if (b >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / (double) (1L << 10));
        }
        return b + " B";
    }

    static void printJson(PrintStream out, Object node) {
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
        out.flush();
    }
}
