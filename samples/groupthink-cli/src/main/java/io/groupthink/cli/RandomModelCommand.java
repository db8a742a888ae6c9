package io.groupthink.cli;

import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.RandomModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Writes a Hugging Face folder with random weights, for benchmarks. */
final class RandomModelCommand implements Command {

    @Override
    public String name() {
        return "random-model";
    }

    @Override
    public String summary() {
        return "write a random-weight model folder (for benchmarks)";
    }

    @Override
    public String usage() {
        return "--out DIR [--preset qwen2.5-0.5b|tiny-llama] [--type llama|mistral|qwen2|qwen3] [--dtype f32|bf16|f16] "
                + "[--shards N] [--seed S] [--tokenizer DIR]";
    }

    @Override
    public String description() {
        return """
                Writes config.json, tokenizer.json, tokenizer_config.json and safetensors weights with random
                values (and the right shapes) into DIR, creating it if needed and replacing files of the same
                names. Presets: tiny-llama (2 layers, hidden 64, vocab 300, f32; the default) and qwen2.5-0.5b
                (Qwen2.5-0.5B's shapes: 24 layers, hidden 896, vocab 151936, tied head, bf16; about 1 GB in bf16,
                2 GB as f32 in memory). --type changes the family (attention bias for qwen2, q/k norm for
                qwen3), --dtype the stored type, --shards splits the weights with an index file. --tokenizer DIR
                takes a real model's tokenizer.json and tokenizer_config.json (its chat template) from DIR instead of
                the synthetic tokenizer, grows the vocabulary to fit it and writes generation_config.json with its
                stop tokens: random-model --type qwen3 --tokenizer <Qwen3 files> makes a Qwen3-style reasoning model.""";
    }

    @Override
    public List<Options.Spec> options() {
        return List.of(
                Options.Spec.value("--out", "DIR", "folder to write (required)"),
                Options.Spec.value("--preset", "NAME", "tiny-llama (default) or qwen2.5-0.5b"),
                Options.Spec.value("--type", "TYPE", "model family: llama, mistral, qwen2 or qwen3 "
                        + "(default: the preset's)"),
                Options.Spec.value("--dtype", "DTYPE", "f32, bf16 or f16 (default: the preset's)"),
                Options.Spec.value("--shards", "N", "number of safetensors shards (default 1)"),
                Options.Spec.value("--seed", "S", "random seed (default: the preset's)"),
                Options.Spec.value("--tokenizer", "DIR", "copy tokenizer.json and tokenizer_config.json from DIR "
                        + "(default: a synthetic byte-level tokenizer)"));
    }

    @Override
    public int execute(Options o, Io io) throws IOException {
        Path out = Paths.get(o.required("--out"));
        String preset = o.choice("--preset", "tiny-llama", List.of("tiny-llama", "qwen2.5-0.5b"));
        RandomModel.Spec spec = preset.equals("tiny-llama") ? RandomModel.Spec.tiny("llama")
                : RandomModel.Spec.qwen25HalfB();
        List<String> types = ModelConfig.SUPPORTED_TYPES.stream().sorted().toList();
        String type = o.choice("--type", spec.modelType(), types);
        String dtypeName = o.choice("--dtype", spec.dtype().name().toLowerCase(Locale.ROOT), List.of("f32", "bf16", "f16"));
        DType dtype = DType.valueOf(dtypeName.toUpperCase(Locale.ROOT));
        int shards = o.intValue("--shards", 1, 1, 1000);
        long seed = o.longValue("--seed", spec.seed());
        spec = new RandomModel.Spec(type, spec.hidden(), spec.intermediate(), spec.layers(), spec.heads(),
                spec.kvHeads(), spec.headDim(), spec.vocab(), spec.maxPositions(), spec.tied(), dtype, shards, seed,
                spec.llama3RopeScaling());
        Path tokenizer = o.has("--tokenizer") ? Paths.get(o.required("--tokenizer")) : null;
        if (tokenizer != null && !Files.isDirectory(tokenizer)) {
            throw new UsageException("--tokenizer: " + tokenizer + " is not a folder");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException("--out: " + out + " is a file, not a folder");
        }
        io.err().print("Writing random " + type + " model to " + out + " ... ");
        io.err().flush();
        long t0 = System.nanoTime();
        try {
            RandomModel.write(spec, out, tokenizer);
        } catch (IOException e) {
            io.err().println("failed");
            io.err().println("error: cannot write " + out + ": " + e);
            return GroupThinkCli.FAILED;
        }
        io.err().printf(Locale.ROOT, "done in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        long size;
        try (Stream<Path> files = Files.list(out)) {
            size = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        io.out().printf(Locale.ROOT, "%s: %s, %d layers, hidden %d, %d/%d heads, vocab %d, %s, %d shard(s), seed %d, "
                        + "%s on disk%n", out, type, spec.layers(), spec.hidden(), spec.heads(), spec.kvHeads(),
                tokenizer == null ? spec.vocab() : RandomModel.vocabOf(out), dtypeName, shards, seed, Common.bytes(size));
        io.out().flush();
        return GroupThinkCli.OK;
    }
}
