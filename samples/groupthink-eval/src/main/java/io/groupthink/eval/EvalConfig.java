package io.groupthink.eval;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.RoundOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * What an evaluation runs: every task × seed × mode × thinker count, each thinker with budget K.
 *
 * @param model       the Hugging Face model folder
 * @param tasks       task names (enumeration, floyd-warshall, programming)
 * @param thinkers    thinker counts N for group and independent (cot always runs 1)
 * @param modes       modes to run
 * @param budget      per-thinker token budget K; cot gets K × max(N), capped by the context
 * @param seeds       each seed picks a task instance and seeds the sampler
 * @param out         output folder (CSV, charts, summary, transcripts)
 * @param layout      position layout for group mode
 * @param template    prompt words; null picks {@link Prompts#forModel}: the engine default for a
 *                    chat model, {@link Prompts#COMPACT} for a base model without chat template
 * @param temperature sampling temperature (0 = greedy)
 * @param topP        nucleus mass
 * @param strategies  plain (one session of K tokens per thinker) and/or rounds (R rounds of S)
 * @param rounds      the round options for the rounds strategy; null when it does not run
 */
public record EvalConfig(Path model, List<String> tasks, List<Integer> thinkers, List<Mode> modes, int budget,
        List<Long> seeds, Path out, Layout layout, PromptTemplate template, double temperature, double topP,
        List<Strategy> strategies, RoundOptions rounds) {

    public static final List<Integer> DEFAULT_THINKERS = List.of(1, 2, 4, 8);
    public static final List<Mode> DEFAULT_MODES = List.of(Mode.GROUP_THINK, Mode.INDEPENDENT, Mode.COT);
    public static final List<Long> DEFAULT_SEEDS = List.of(1L, 2L, 3L);
    public static final int DEFAULT_BUDGET = 128;
    public static final double DEFAULT_TEMPERATURE = 0.7;
    public static final double DEFAULT_TOP_P = 0.95;
    public static final Path DEFAULT_OUT = Path.of("groupthink-eval-out");

    public EvalConfig {
        tasks = List.copyOf(tasks);
        thinkers = List.copyOf(thinkers);
        modes = List.copyOf(modes);
        seeds = List.copyOf(seeds);
        layout = layout == null ? Layout.SLOTTED : layout;
        out = out == null ? DEFAULT_OUT : out;
        strategies = strategies == null || strategies.isEmpty() ? List.of(Strategy.PLAIN) : List.copyOf(strategies);
        if (strategies.contains(Strategy.ROUNDS) && rounds == null) {
            throw new IllegalArgumentException("the rounds strategy needs round options (--rounds R)");
        }
        rounds = rounds == null ? null : rounds.validate();
    }

    /** Plain runs only. */
    public EvalConfig(Path model, List<String> tasks, List<Integer> thinkers, List<Mode> modes, int budget,
            List<Long> seeds, Path out, Layout layout, PromptTemplate template, double temperature, double topP) {
        this(model, tasks, thinkers, modes, budget, seeds, out, layout, template, temperature, topP, null, null);
    }

    public EvalConfig withTemplate(PromptTemplate t) {
        return new EvalConfig(model, tasks, thinkers, modes, budget, seeds, out, layout, t, temperature, topP,
                strategies, rounds);
    }

    public EvalConfig withOut(Path dir) {
        return new EvalConfig(model, tasks, thinkers, modes, budget, seeds, dir, layout, template, temperature, topP,
                strategies, rounds);
    }

    /** The largest N among the thinker counts (1 if none). */
    public int maxThinkers() {
        return thinkers.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    /** The short mode label used in files: group, independent, cot. */
    public static String label(Mode mode) {
        return switch (mode) {
            case GROUP_THINK -> "group";
            case INDEPENDENT -> "independent";
            case COT -> "cot";
        };
    }
}
