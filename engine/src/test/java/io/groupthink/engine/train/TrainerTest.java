package io.groupthink.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.model.DType;
import io.groupthink.engine.model.ModelFolder;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A short training run: the loss falls, the run repeats from its seed, and the folder loads in the engine. */
class TrainerTest {

    /** A small model with a short warm-up, so 20 steps move it. */
    private static Trainer.Config tiny(int steps) {
        return new Trainer.Config(19, steps, 8, 1e-2, 2, 32, 2, 2, 64, 8, 4, 2048, 2, DType.F32, 5);
    }

    @Test
    void twentyStepsLowerTheLossAndWriteALoadableModel() throws Exception {
        Path dir = Files.createTempDirectory("gt-train-");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result r = Trainer.train(tiny(20), dir, new PrintStream(log, true));
        double first = Trainer.mean(r.losses(), 0, 3);
        double last = Trainer.mean(r.losses(), 17, 20);
        assertTrue(last < first - 0.2, "loss " + first + " -> " + last + "\n" + log);
        assertTrue(Trainer.mean(r.optima(), 0, 20) < last, "the loss stays above the batch optimum");
        try (GroupThinkModel model = GroupThinkModel.load(dir, new GroupThinkModel.Options(0, false,
                LinearFactory.TORCH))) {
            GroupThinkResult out = model.think(GroupThinkRequest.builder(EnumerationTask.question("fruits"))
                    .mode(Mode.GROUP_THINK).thinkers(2).maxTokens(16).build());
            assertEquals(2, out.thinkers().size());
            out.thinkers().forEach(t -> assertTrue(t.finishReason() != null && t.tokens().length <= 16));
        }
    }

    /**
     * Two runs of one seed give the same loss series and the same weights, bit for bit, while a
     * thread keeps the garbage collector busy: a scalar tensor freed under autograd once made the
     * backward pass read freed memory, and GC timing decided which step went NaN.
     */
    @Test
    void sameSeedSameLossesAndWeightsWhileTheCollectorRuns() throws Exception {
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        try {
            Path a = Files.createTempDirectory("gt-train-a-");
            Path b = Files.createTempDirectory("gt-train-b-");
            Trainer.Result ra = Trainer.train(tiny(20), a, new PrintStream(new ByteArrayOutputStream()));
            Trainer.Result rb = Trainer.train(tiny(20), b, new PrintStream(new ByteArrayOutputStream()));
            assertEquals(0, ra.skipped() + rb.skipped(), "no step skipped for a non-finite gradient");
            assertArrayEquals(ra.losses(), rb.losses(), 0.0);
            assertArrayEquals(Files.readAllBytes(a.resolve(ModelFolder.WEIGHTS)),
                    Files.readAllBytes(b.resolve(ModelFolder.WEIGHTS)), "same weights");
            Trainer.Result rc = Trainer.train(tiny(3).withSeed(7), Files.createTempDirectory("gt-train-c-"),
                    new PrintStream(new ByteArrayOutputStream()));
            assertTrue(Math.abs(ra.losses()[0] - rc.losses()[0]) > 1e-6, "another seed draws other data and weights");
        } finally {
            collector.interrupt();
        }
    }

    @Test
    void badConfigIsRefusedWithItsValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(tiny(20).withSize(30, 2, 4, 64, 8), Files.createTempDirectory("gt-bad-"),
                        System.out));
        assertTrue(e.getMessage().contains("hidden=30"), e.getMessage());
    }

    @Test
    void learningRateWarmsUpThenDecaysToATenth() {
        Trainer.Config c = Trainer.Config.shipped();
        assertEquals(c.lr() / c.warmup(), Trainer.learningRate(c, 0), 1e-12);
        assertEquals(c.lr(), Trainer.learningRate(c, c.warmup()), 1e-9);
        assertEquals(c.lr() * 0.1, Trainer.learningRate(c, c.steps()), 1e-9);
    }

    @Test
    void thinkerCountsWidenFromFourToTheMaximumAndEverySessionStaysUnderTheCap() {
        Trainer.Config c = Trainer.Config.shipped(); // 4,800 steps, up to 8 thinkers
        assertEquals(4, Trainer.thinkerCap(c, 0));
        assertEquals(4, Trainer.thinkerCap(c, 3119));
        assertEquals(5, Trainer.thinkerCap(c, 3270));
        assertEquals(8, Trainer.thinkerCap(c, 3839));
        assertEquals(8, Trainer.thinkerCap(c, 4799));
        Random r = new Random(1);
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 2000; i++) {
            TraceBuilder.Session s = Trainer.sample(r, 8, 2);
            assertTrue(s.thinkers() <= 8 && (s.thinkers() == 1) == (s.mode() == Mode.COT),
                    s.toString());
            seen.add(s.thinkers());
        }
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8), seen, "N from 1 (CoT) to 8 mixed");
    }
}
