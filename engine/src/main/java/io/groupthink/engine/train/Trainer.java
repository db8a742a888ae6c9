package io.groupthink.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.model.ChatTemplate;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelConfig;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.model.RandomModel;
import io.groupthink.engine.runtime.TorchRuntime;
import io.groupthink.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;

/**
 * Trains the enumeration model and writes it as a Hugging Face folder. Mode and thinker count are
 * mixed in every batch (COT with 1 thinker, INDEPENDENT and GROUP_THINK with 2 to
 * {@link Config#maxThinkers}, both layouts, many budgets, with and without a synthesis lane), so one
 * model serves all three. The thinker count follows a curriculum ({@link #thinkerCap}): at most
 * {@value #FIRST_CAP} while the model learns to avoid what it sees, then up to the maximum.
 * Everything random comes from {@link Config#seed}: the same seed and thread count give the same
 * data, the same starting weights and the same weights.
 */
public final class Trainer {

    static final int CHECKPOINT_EVERY = 250;

    /** Sessions with a synthesis lane, which lists the distinct items the thinkers named. */
    static final double SYNTHESIS_SHARE = 0.2;

    /** Batches a step's sessions are split into by length, so short ones are not padded to the longest. */
    static final int SPLIT = 3;

    /** Budgets the traces use; the slot width of SLOTTED positions depends on it. */
    static final int[] BUDGETS = {16, 24, 32, 48, 64, 96, 128};

    /**
     * Curriculum: at most this many thinkers until {@link #WIDEN_FROM} of the steps (the exclusion
     * is learned on short sessions, where it is learned fastest), then the cap grows by one per
     * equal share of the steps up to {@link #WIDEN_TO}, after which every count up to the maximum is drawn.
     */
    static final int FIRST_CAP = 4;
    static final double WIDEN_FROM = 0.65;
    static final double WIDEN_TO = 0.8;

    public record Config(long seed, int steps, int batch, double lr, int warmup, int hidden, int layers, int heads,
            int ffn, int maxThinkers, int categories, int maxPositions, int threads, DType dtype, int logEvery) {

        /** The shipped model's recipe. */
        public static Config shipped() {
            return new Config(19, 4800, 32, 3e-3, 100, 128, 4, 4, 512, 8, 2, 2048, 2, DType.BF16, 50);
        }

        public Config withSteps(int s) {
            return new Config(seed, s, batch, lr, warmup, hidden, layers, heads, ffn, maxThinkers, categories, maxPositions,
                    threads, dtype, logEvery);
        }

        public Config withSize(int h, int l, int hs, int f, int b) {
            return new Config(seed, steps, b, lr, warmup, h, l, hs, f, maxThinkers, categories, maxPositions, threads, dtype,
                    logEvery);
        }

        public Config withSeed(long s) {
            return new Config(s, steps, batch, lr, warmup, hidden, layers, heads, ffn, maxThinkers, categories, maxPositions,
                    threads, dtype, logEvery);
        }

        void validate() {
            if (steps < 1 || batch < 1 || hidden < 8 || layers < 1 || heads < 1 || hidden % heads != 0
                    || (hidden / heads) % 2 != 0 || ffn < 1 || lr <= 0 || maxThinkers < 2 || maxThinkers > 16
                    || categories < 1 || categories > EnumerationTask.CATEGORIES.size()) {
                throw new IllegalArgumentException("bad training config " + this
                        + ": need steps, batch >= 1; hidden divisible by heads into an even head size; lr > 0; "
                        + "maxThinkers 2..16; categories 1.." + EnumerationTask.CATEGORIES.size());
            }
        }
    }

    /**
     * @param losses  mean loss of each step
     * @param optima  the lowest loss possible on each step's batch
     * @param skipped steps whose gradient was not finite, so no update was made (logged; none in a
     *                healthy run: this is a guard, since one NaN would poison every later step)
     */
    public record Result(double[] losses, double[] optima, double seconds, long parameters, int skipped) {

        /** Mean loss over the last {@code steps} steps. */
        public double lastLoss(int steps) {
            return mean(losses, Math.max(0, losses.length - steps), losses.length);
        }

        /** Mean batch optimum over the last {@code steps} steps. */
        public double lastOptimum(int steps) {
            return mean(optima, Math.max(0, optima.length - steps), optima.length);
        }
    }

    private Trainer() {}

    /** Draws one training session: the mix that makes CoT, Independent and Group Think one model. */
    static TraceBuilder.Session sample(Random r, int maxThinkers, int categoryCount) {
        if (maxThinkers < 2) {
            throw new IllegalArgumentException("maxThinkers must be at least 2, got " + maxThinkers);
        }
        List<String> categories = EnumerationTask.categoryNames().subList(0, categoryCount);
        String category = categories.get(r.nextInt(categories.size()));
        double u = r.nextDouble();
        Mode mode = u < 0.55 ? Mode.GROUP_THINK : u < 0.85 ? Mode.INDEPENDENT : Mode.COT;
        int n = mode == Mode.COT ? 1 : 2 + r.nextInt(maxThinkers - 1);
        Layout layout = r.nextDouble() < 0.7 ? Layout.SLOTTED : Layout.INTERLEAVED;
        int budget = BUDGETS[r.nextInt(BUDGETS.length)];
        boolean synthesize = r.nextDouble() < SYNTHESIS_SHARE;
        return new TraceBuilder.Session(category, mode, n, layout, budget, synthesize);
    }

    public static Result train(Config cfg, Path out, PrintStream log) throws IOException {
        cfg.validate();
        ModelFiles.write(out, 0.7, 0.95);
        int vocab = ModelFiles.vocabSize();
        int hd = cfg.hidden() / cfg.heads();
        RandomModel.writeConfig(new RandomModel.Spec("llama", cfg.hidden(), cfg.ffn(), cfg.layers(), cfg.heads(),
                cfg.heads(), hd, vocab, cfg.maxPositions(), true, cfg.dtype(), 1, cfg.seed(), false), out);
        ModelConfig config = ModelConfig.read(out.resolve(ModelFolder.CONFIG));
        Random random = new Random(cfg.seed());
        double[] losses = new double[cfg.steps()];
        double[] optima = new double[cfg.steps()];
        long t0 = System.nanoTime();
        try (Tokenizer tokenizer = Tokenizer.load(out.resolve(ModelFolder.TOKENIZER), vocab);
                NDManager base = TorchRuntime.newManager(cfg.threads());
                TrainableLlama model = new TrainableLlama(config, base, cfg.seed())) {
            TraceBuilder traces = new TraceBuilder(tokenizer, ChatTemplate.read(out.resolve(ModelFolder.TOKENIZER_CONFIG)));
            AdamW adam = new AdamW(base, 0.9, 0.98, 1e-8, 0.01, 1.0, new HashSet<>(model.decayed()));
            log.printf("training %,d parameters (%d layers, width %d, %d heads, ffn %d, vocab %d), %d steps of %d "
                    + "sessions, seed %d%n", model.parameterCount(), cfg.layers(), cfg.hidden(), cfg.heads(), cfg.ffn(),
                    vocab, cfg.steps(), cfg.batch(), cfg.seed());
            Engine engine = base.getEngine();
            int skipped = 0;
            for (int s = 0; s < cfg.steps(); s++) {
                List<Trace> batch = new ArrayList<>();
                for (int i = 0; i < cfg.batch(); i++) {
                    batch.add(traces.build(sample(random, thinkerCap(cfg, s), cfg.categories()), random));
                }
                double optimum = new TrainingBatch(batch).optimalLoss();
                double lr = learningRate(cfg, s);
                try (NDManager step = base.newSubManager()) {
                    for (NDArray p : model.parameters().values()) {
                        p.tempAttach(step);
                    }
                    double loss = 0;
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        for (TrainingBatch part : TrainingBatch.split(batch, SPLIT)) {
                            NDArray l = model.loss(part, step);
                            collector.backward(l); // gradients add up over the parts
                            loss += l.getFloat();
                        }
                    }
                    losses[s] = loss;
                    optima[s] = optimum;
                    double norm = adam.step(model.parameters(), lr, step);
                    if (!Double.isFinite(norm) || !Double.isFinite(loss)) {
                        skipped++;
                        log.printf("step %5d  non-finite loss %.4f or gradient norm %.4f: update skipped (%d so far)%n",
                                s + 1, loss, norm, skipped);
                        losses[s] = s > 0 ? losses[s - 1] : Double.NaN;
                    }
                    if ((s + 1) % cfg.logEvery() == 0 || s == 0 || s == cfg.steps() - 1) {
                        int from = Math.max(0, s + 1 - cfg.logEvery());
                        log.printf("step %5d  loss %.4f  optimum %.4f  lr %.2e  grad %.2f  %.0f s%n", s + 1,
                                mean(losses, from, s + 1), mean(optima, from, s + 1), lr, norm,
                                (System.nanoTime() - t0) / 1e9);
                    }
                    if ((s + 1) % CHECKPOINT_EVERY == 0) {
                        model.save(out, cfg.dtype()); // a usable folder while the run goes on
                    }
                }
            }
            model.save(out, cfg.dtype());
            adam.close();
            return new Result(losses, optima, (System.nanoTime() - t0) / 1e9, model.parameterCount(), skipped);
        }
    }

    /** The most thinkers a session of step {@code step} may draw: see {@link #FIRST_CAP}. */
    static int thinkerCap(Config cfg, int step) {
        int first = Math.min(FIRST_CAP, cfg.maxThinkers());
        double from = WIDEN_FROM * cfg.steps();
        double to = WIDEN_TO * cfg.steps();
        if (step < from) {
            return first;
        }
        if (step >= to) {
            return cfg.maxThinkers();
        }
        return first + (int) ((cfg.maxThinkers() - first + 1) * (step - from) / (to - from));
    }

    /** Linear warm-up, then cosine decay to a tenth. */
    static double learningRate(Config cfg, int step) {
        if (step < cfg.warmup()) {
            return cfg.lr() * (step + 1) / cfg.warmup();
        }
        double progress = (step - cfg.warmup()) / (double) Math.max(1, cfg.steps() - cfg.warmup());
        return cfg.lr() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}
