package io.groupthink.cli;

import io.groupthink.engine.model.gguf.GgufFile;
import io.groupthink.engine.model.gguf.GgufQuantizer;
import io.groupthink.engine.quant.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Writes a quantized copy of an F32 GGUF file (for trying and benchmarking the quantized formats). */
final class GgufQuantizeCommand implements Command {

    static final List<String> TYPES = List.of("q8_0", "q4_0", "q4_k", "q5_k", "q6_k");

    @Override
    public String name() {
        return "gguf-quantize";
    }

    @Override
    public String summary() {
        return "write a quantized copy of an F32 GGUF file";
    }

    @Override
    public String usage() {
        return "--in FILE --out FILE --type q8_0|q4_0|q4_k|q5_k|q6_k";
    }

    @Override
    public String description() {
        return """
                Quantizes every matrix of an F32 GGUF file whose rows are whole blocks of the type (32 values
                for q8_0/q4_0, 256 for the K-quants) with plain reference quantizers; vectors and matrices that
                do not fit stay F32. Metadata (configuration, tokenizer, chat template) is copied.""";
    }

    @Override
    public List<Options.Spec> options() {
        return List.of(Options.Spec.value("--in", "FILE", "F32 GGUF file (required)"),
                Options.Spec.value("--out", "FILE", "file to write (required)"),
                Options.Spec.value("--type", "TYPE", "q8_0, q4_0, q4_k, q5_k or q6_k (required)"));
    }

    @Override
    public int execute(Options o, Io io) throws IOException {
        Path in = Paths.get(o.required("--in"));
        Path out = Paths.get(o.required("--out"));
        o.required("--type");
        GgmlType type = GgmlType.valueOf(o.choice("--type", null, TYPES).toUpperCase(java.util.Locale.ROOT));
        GgufFile src = GgufFile.open(in);
        GgufQuantizer.quantize(src, out, type);
        io.err().println("wrote " + out + " (" + GgufFile.open(out).tensors().values().stream()
                .collect(java.util.stream.Collectors.groupingBy(t -> t.type().name(), java.util.TreeMap::new,
                        java.util.stream.Collectors.counting())) + ")");
        return 0;
    }
}
