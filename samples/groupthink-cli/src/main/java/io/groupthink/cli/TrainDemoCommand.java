package io.groupthink.cli;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.train.EnumerationEval;
import io.groupthink.engine.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.LongStream;

/** Trains the enumeration model that ships as the offline default, then measures it. */
final class TrainDemoCommand implements Command {

    @Override
    public String name() {
        return "train-demo";
    }

    @Override
    public String summary() {
        return "train the small enumeration model that shows Group Think working, and measure it";
    }

    @Override
    public String usage() {
        return "--out DIR [--steps N] [--seed S] [--threads T] [--dtype bf16|f32] [--eval-runs R] [--eval-only]";
    }

    @Override
    public String description() {
        return """
                Generates synthetic enumeration sessions ("List all fruits.") in the engine's own layout (prompt
                plan, position policy, visibility rule) with mode and thinker count mixed (CoT, Independent and
                Group Think with 2 to 8 thinkers; at most 4 for the first 65% of the steps), trains a
                1.06M-parameter llama on them with DJL's autograd on
                LibTorch and AdamW, and writes a Hugging Face folder into DIR (config.json, model.safetensors,
                tokenizer.json, tokenizer_config.json with a chat template, generation_config.json). The same
                seed and thread count give the same weights. Then every configuration (CoT, Independent and
                Group Think at N = 2, 4, 8) runs R seeded sessions through the engine at the demo's sampling
                (temperature 0.7, top-p 0.95; seeds 2001.. are never used in training) and the coverage table
                is printed with the acceptance checks. --eval-only measures DIR without training. Set
                OMP_WAIT_POLICY=PASSIVE on a shared machine: LibTorch's spinning threads otherwise slow it
                several times.""";
    }

    @Override
    public List<Options.Spec> options() {
        return List.of(
                Options.Spec.value("--out", "DIR", "model folder to write (required)"),
                Options.Spec.value("--steps", "N", "training steps (default " + Trainer.Config.shipped().steps() + ")"),
                Options.Spec.value("--seed", "S", "seed of data and weights (default " + Trainer.Config.shipped().seed()
                        + ")"),
                Options.Spec.value("--threads", "T", "LibTorch threads (default 2)"),
                Options.Spec.value("--dtype", "DTYPE", "weights as bf16 (default) or f32"),
                Options.Spec.value("--eval-runs", "R", "seeded runs per configuration (default 24; 0 skips)"),
                Options.Spec.flag("--eval-only", "measure DIR without training"));
    }

    @Override
    public int execute(Options o, Io io) throws IOException {
        Path out = Paths.get(o.required("--out"));
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException("--out: " + out + " is a file, not a folder");
        }
        Trainer.Config shipped = Trainer.Config.shipped();
        String dtype = o.choice("--dtype", "bf16", List.of("bf16", "f32"));
        Trainer.Config cfg = new Trainer.Config(o.longValue("--seed", shipped.seed()),
                o.intValue("--steps", shipped.steps(), 1, 1_000_000), shipped.batch(), shipped.lr(), shipped.warmup(),
                shipped.hidden(), shipped.layers(), shipped.heads(), shipped.ffn(), shipped.maxThinkers(),
                shipped.categories(), shipped.maxPositions(), o.intValue("--threads", shipped.threads(), 1, 256),
                DType.valueOf(dtype.toUpperCase(Locale.ROOT)), shipped.logEvery());
        int runs = o.intValue("--eval-runs", 24, 0, 10_000);
        if (!o.flag("--eval-only")) {
            Trainer.Result r = Trainer.train(cfg, out, io.err());
            io.out().printf(Locale.ROOT, "trained %,d parameters in %.0f s: loss %.4f over the last 50 steps "
                    + "(optimum %.4f)%n", r.parameters(), r.seconds(), r.lastLoss(50), r.lastOptimum(50));
        }
        if (runs > 0) {
            List<Long> seeds = LongStream.range(2001, 2001 + runs).boxed().toList();
            try (GroupThinkModel model = GroupThinkModel.load(out)) {
                io.out().println(EnumerationEval.report(EnumerationEval.all(model, seeds, 16)));
            }
        }
        io.out().flush();
        return GroupThinkCli.OK;
    }
}
