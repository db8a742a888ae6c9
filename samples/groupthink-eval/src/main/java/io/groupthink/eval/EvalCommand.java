package io.groupthink.eval;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.RoundOptions;
import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.ollama.OllamaStore;
import io.groupthink.eval.tasks.Task;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The evaluation's command line, for {@code groupthink-cli eval ...} and {@link #main}.
 *
 * <pre>
 * --model DIR  --tasks enumeration,floyd-warshall,programming  --thinkers 1,2,4,8
 * --modes group,independent,cot  --budget K  --seeds 1,2,3  [--out DIR]  [--layout slotted|interleaved]
 * [--rounds R [--segment S] [--summary-tokens M] [--carry m] [--strategies plain,rounds]]
 * </pre>
 * Exit codes: 0 done, 1 failed while running (model would not load, I/O), 2 bad options.
 */
public final class EvalCommand {

    public static final String USAGE = """
            Usage: eval --model DIR [options]
              Runs Group Think, Independent Sampling and CoT on the evaluation tasks and writes
              coverage against decoding steps: coverage.csv, chart-<task>.png, summary.md, transcripts/.

              --model DIR|FILE     Hugging Face model folder, GGUF file or ollama:NAME[:TAG] (required)
              --tasks LIST         enumeration,floyd-warshall,programming (default: all three), or
                                   trained-enumeration (the shipped model's task)
              --thinkers LIST      thinker counts N for group and independent, 1..16 (default: 1,2,4,8)
              --modes LIST         group,independent,cot (default: all three; cot always runs N=1)
              --budget K           tokens per thinker (default: 128; cot gets K x max N, within the context)
              --seeds LIST         seeds; each picks a task instance and seeds sampling (default: 1,2,3)
              --out DIR            output folder (default: ./groupthink-eval-out)
              --layout L           slotted or interleaved positions for group mode (default: slotted)
              --rounds R           also run every mode in rounds (InftyThink): at most R rounds of S tokens
                                   per thinker, each closed by a summary; the next round starts from the
                                   question and the summary, in one round's K/V. Adds tokens-<task>.png:
                                   coverage and K/V slots against total generated tokens (summaries counted)
              --segment S          tokens per thinker per round (default: 32); needs --rounds
              --summary-tokens M   tokens of each round's summary (default: 32); needs --rounds
              --carry m            each thinker's last m tokens carried into the next round (default: 0,
                                   at most S); needs --rounds
              --strategies LIST    plain,rounds (default: plain; plain,rounds with --rounds)
              --help               this text

              Sampling: temperature 0.7, top-p 0.95. Prompt: the engine's default words for a chat
              model, a compact template for a base model without chat template.
              Exit codes: 0 done, 1 run failed, 2 bad options.
            """;

    private static final Set<String> OPTIONS = Set.of("--model", "--tasks", "--thinkers", "--modes", "--budget",
            "--seeds", "--out", "--layout", "--rounds", "--segment", "--summary-tokens", "--carry", "--strategies");
    private static final List<String> ROUND_OPTIONS = List.of("--segment", "--summary-tokens", "--carry");
    public static final int DEFAULT_SEGMENT = 32;
    public static final int DEFAULT_SUMMARY_TOKENS = 32;

    private EvalCommand() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses {@code args}, runs the evaluation and prints where the reports went; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        EvalConfig config;
        try {
            config = parse(args);
        } catch (HelpRequested h) {
            out.print(USAGE);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        }
        GroupThinkModel model;
        try {
            model = GroupThinkModel.load(config.model());
        } catch (RuntimeException e) {
            err.println("error: cannot load model " + config.model() + ": " + e.getMessage());
            return 1;
        }
        err.println("model " + config.model() + ": tensors " + model.tensorTypes());
        try (model) {
            EvalRunner runner = new EvalRunner(model, config, err);
            try {
                runner.preflight();
            } catch (IllegalArgumentException e) {
                err.println("error: " + (config.rounds() == null ? "--budget/--thinkers"
                        : "--budget/--thinkers/--segment/--summary-tokens/--carry") + " do not fit the model: "
                        + e.getMessage());
                return 2;
            }
            EvalRunner.Report report = runner.run();
            out.print(report.summaryText());
            out.println();
            out.println("wrote " + report.csv());
            for (Path chart : report.charts()) {
                out.println("wrote " + chart);
            }
            out.println("wrote " + report.summary());
            out.println("wrote " + config.out().resolve("transcripts") + "/");
            return 0;
        } catch (Exception e) {
            err.println();
            err.println("error: evaluation failed: " + e);
            return 1;
        }
    }

    /** Thrown by {@link #parse} for --help. */
    public static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super("help", null, false, false);
        }
    }

    /**
     * Parses the options into a config (sampling and template at their defaults).
     * IllegalArgumentException names the bad option; {@link HelpRequested} for --help.
     */
    public static EvalConfig parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new HelpRequested();
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException(a.startsWith("-") ? "unknown option " + name
                        : "unexpected argument '" + a + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length || (args[i + 1].startsWith("--") && OPTIONS.contains(args[i + 1]))) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            if (values.put(name, value) != null) {
                throw new IllegalArgumentException(name + " is given more than once");
            }
        }
        String modelValue = values.get("--model");
        if (modelValue == null || modelValue.isBlank()) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        Path model;
        try {
            model = OllamaStore.resolveArgument(modelValue);
        } catch (ModelLoadException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage());
        }
        if (!Files.isDirectory(model) && !Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model: not a model folder or GGUF file: " + modelValue);
        }
        List<String> tasks = list(values, "--tasks", Task.NAMES, s -> Task.byName(s).name());
        List<Integer> thinkers = list(values, "--thinkers", EvalConfig.DEFAULT_THINKERS, s -> {
            int n = integer("--thinkers", s);
            if (n < 1 || n > GroupThinkRequest.MAX_THINKERS) {
                throw new IllegalArgumentException("--thinkers: " + n + " is outside 1.."
                        + GroupThinkRequest.MAX_THINKERS);
            }
            return n;
        });
        List<Mode> modes = list(values, "--modes", EvalConfig.DEFAULT_MODES, Mode::parse);
        int budget = positive(values, "--budget", EvalConfig.DEFAULT_BUDGET, "tokens");
        List<Long> seeds = list(values, "--seeds", EvalConfig.DEFAULT_SEEDS, s -> {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seeds: '" + s + "' is not a whole number");
            }
        });
        Path outDir = values.containsKey("--out") ? Path.of(values.get("--out")) : EvalConfig.DEFAULT_OUT;
        if (values.containsKey("--out") && values.get("--out").isBlank()) {
            throw new IllegalArgumentException("--out needs a folder");
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new IllegalArgumentException("--out: " + outDir + " exists and is not a folder");
        }
        Layout layout = Layout.SLOTTED;
        if (values.containsKey("--layout")) {
            try {
                layout = Layout.parse(values.get("--layout"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--layout: " + e.getMessage());
            }
        }
        RoundOptions rounds = rounds(values);
        List<Strategy> strategies = list(values, "--strategies",
                rounds == null ? List.of(Strategy.PLAIN) : List.of(Strategy.PLAIN, Strategy.ROUNDS), Strategy::parse);
        if (strategies.contains(Strategy.ROUNDS) && rounds == null) {
            throw new IllegalArgumentException("--strategies rounds needs --rounds R");
        }
        if (!strategies.contains(Strategy.ROUNDS) && rounds != null) {
            throw new IllegalArgumentException("--rounds needs rounds in --strategies");
        }
        return new EvalConfig(model, tasks, thinkers, modes, budget, seeds, outDir, layout, null,
                EvalConfig.DEFAULT_TEMPERATURE, EvalConfig.DEFAULT_TOP_P, strategies, rounds);
    }

    /** The round options, or null without --rounds; each bad value names its option. */
    private static RoundOptions rounds(Map<String, String> values) {
        if (!values.containsKey("--rounds")) {
            for (String o : ROUND_OPTIONS) {
                if (values.containsKey(o)) {
                    throw new IllegalArgumentException(o + " needs --rounds");
                }
            }
            return null;
        }
        int r = positive(values, "--rounds", 0, "rounds");
        int s = positive(values, "--segment", DEFAULT_SEGMENT, "tokens");
        int m = positive(values, "--summary-tokens", DEFAULT_SUMMARY_TOKENS, "tokens");
        int carry = values.containsKey("--carry") ? integer("--carry", values.get("--carry")) : 0;
        if (carry < 0 || carry > s) {
            throw new IllegalArgumentException("--carry must be between 0 and --segment " + s + ", got " + carry);
        }
        return RoundOptions.of(r, s, m, carry);
    }

    private static int positive(Map<String, String> values, String option, int fallback, String unit) {
        if (!values.containsKey(option)) {
            return fallback;
        }
        int v = integer(option, values.get(option));
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be a positive number of " + unit + ", got " + v);
        }
        return v;
    }

    private static <T> List<T> list(Map<String, String> values, String option, List<T> defaults,
            Function<String, T> parse) {
        String raw = values.get(option);
        if (raw == null) {
            return defaults;
        }
        Set<T> out = new LinkedHashSet<>();
        for (String part : raw.split(",", -1)) {
            String s = part.trim();
            if (s.isEmpty()) {
                throw new IllegalArgumentException(option + ": empty entry in '" + raw + "'");
            }
            try {
                out.add(parse.apply(s));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                throw new IllegalArgumentException(m != null && m.startsWith(option) ? m : option + ": " + m);
            }
        }
        return new ArrayList<>(out);
    }

    private static int integer(String option, String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + s + "' is not a whole number");
        }
    }
}
