package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded mutation run shared by the file-format tests: each mutant must either open or be refused
 * with a {@link ModelLoadException} naming the file; anything else (another exception, an Error) fails.
 */
public final class MutationRun {

    /** Makes one mutant, describing what it did into {@code what}. */
    public interface Mutator {
        byte[] mutate(SplittableRandom random, StringBuilder what);
    }

    /** Writes the bytes to {@code file} and opens it fully; returns what was thrown, or null. */
    public interface Opener {
        Throwable open(Path file, byte[] bytes) throws IOException;
    }

    private MutationRun() {}

    /** Runs {@code attempts} mutants and asserts on them; returns {loaded, refused}. */
    public static int[] run(Path tmp, String suffix, int attempts, long seed, Mutator mutator, Opener opener)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int loaded = 0;
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            StringBuilder what = new StringBuilder();
            byte[] mutant = mutator.mutate(random, what);
            Path file = tmp.resolve("mutant-" + i + suffix);
            Throwable t = opener.open(file, mutant);
            if (t == null) {
                loaded++;
            } else if (t instanceof ModelLoadException e) {
                refused++;
                if (!e.getMessage().contains(file.toString())) {
                    failures.add("#" + i + " " + what + ": message does not name the file: " + e.getMessage());
                }
            } else {
                failures.add("#" + i + " " + what + ": " + t + "\n  mutant: " + HexFormat.of().formatHex(mutant));
            }
            Files.deleteIfExists(file);
        }
        assertThat(failures).as("mutants that escaped with another exception").isEmpty();
        assertThat(loaded + refused).isEqualTo(attempts);
        assertThat(refused).as("the mutations must actually break files").isGreaterThan(attempts / 2);
        return new int[] {loaded, refused};
    }

    /** {@code b} without its byte at {@code pos}. */
    public static byte[] deleteByte(byte[] b, int pos) {
        byte[] c = new byte[b.length - 1];
        System.arraycopy(b, 0, c, 0, pos);
        System.arraycopy(b, pos + 1, c, pos, b.length - pos - 1);
        return c;
    }

    /** {@code b} with {@code v} inserted at {@code pos}. */
    public static byte[] insertByte(byte[] b, int pos, byte v) {
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, pos);
        c[pos] = v;
        System.arraycopy(b, pos, c, pos + 1, b.length - pos);
        return c;
    }
}
