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
import io.groupthink.engine.runtime.LinearFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void sameSeedSameLosses() throws Exception {
        Trainer.Result a = Trainer.train(tiny(3), Files.createTempDirectory("gt-train-a-"), new PrintStream(
                new ByteArrayOutputStream()));
        Trainer.Result b = Trainer.train(tiny(3), Files.createTempDirectory("gt-train-b-"), new PrintStream(
                new ByteArrayOutputStream()));
        assertEquals(a.losses()[0], b.losses()[0], 1e-6, "same data and starting weights");
        if (a.skipped() == 0 && b.skipped() == 0) { // a skipped non-finite step makes runs part ways
            assertArrayEquals(a.losses(), b.losses(), 1e-5);
        }
        Trainer.Result c = Trainer.train(tiny(3).withSeed(7), Files.createTempDirectory("gt-train-c-"),
                new PrintStream(new ByteArrayOutputStream()));
        assertTrue(Math.abs(a.losses()[0] - c.losses()[0]) > 1e-6, "another seed draws other data and weights");
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
}
