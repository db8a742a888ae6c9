package io.groupthink.engine.model.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.model.ModelLoadException;
import io.groupthink.engine.model.MutationRun;
import io.groupthink.engine.model.RawTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation run over a small valid GGUF file (as {@code SafetensorsMutationTest} does for
 * safetensors): every mutant either opens, maps and dequantizes every tensor, or is refused with a
 * {@link ModelLoadException} naming the file; no other exception or error, no crash.
 */
class GgufMutationTest {

    private static final long SEED = 0x66756775L;
    private static final int ATTEMPTS = 400;
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 31, 32, 33, 255, 256, -1, Long.MIN_VALUE, Long.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, 0xFFFFFFFFL, 1L << 32, 1L << 40};

    @TempDir
    Path tmp;

    @Test
    void everyMutantLoadsOrThrowsModelLoadException() throws IOException {
        byte[] original = GgufFixtures.small();
        int headerEnd = GgufFixtures.find(original, "blk.0.ffn_up.weight") + 64; // end of the tensor table, roughly
        assertThat(open(tmp.resolve("seed.gguf"), original)).isNull();

        int[] counts = MutationRun.run(tmp, ".gguf", ATTEMPTS, SEED,
                (random, what) -> mutate(original, headerEnd, random, what), GgufMutationTest::open);
        System.out.printf("GGUF mutants: %d loaded, %d refused%n", counts[0], counts[1]);
    }

    /** Opens, reads all metadata, maps and dequantizes every tensor; returns what was thrown, or null. */
    private static Throwable open(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try {
            GgufFile f = GgufFile.open(file);
            for (GgufFile.TensorInfo t : f.tensors().values()) {
                ByteBuffer b = f.map(t);
                if (b.remaining() != t.byteSize()) {
                    return new AssertionError("mapped " + b.remaining() + " bytes for " + t);
                }
                if (t.type().supported() && t.elementCount() < 1 << 20) {
                    new RawTensor(t.name(), t.type(), t.shape(), b, file).toF32();
                } else if (t.type().supported()) {
                    b.get(b.remaining() - 1);
                }
            }
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static byte[] mutate(byte[] original, int headerEnd, SplittableRandom r, StringBuilder what) {
        byte[] b = original.clone();
        int rounds = 1 + r.nextInt(3);
        for (int k = 0; k < rounds; k++) {
            int limit = Math.max(1, Math.min(headerEnd, b.length));
            int pos = r.nextInt(4) == 0 ? r.nextInt(Math.max(1, b.length)) : r.nextInt(limit);
            switch (r.nextInt(7)) {
                case 0 -> {
                    b[pos] ^= (byte) (1 << r.nextInt(8));
                    what.append("flip@").append(pos).append(' ');
                }
                case 1 -> {
                    b[pos] = (byte) r.nextInt(256);
                    what.append("set@").append(pos).append(' ');
                }
                case 2 -> {
                    int len = r.nextInt(b.length + 1);
                    b = Arrays.copyOf(b, len);
                    what.append("truncate:").append(len).append(' ');
                }
                case 3, 4 -> { // a length, count, dim, offset or type overwritten by a boundary value
                    if (b.length >= 8) {
                        int p = Math.min(pos, b.length - 8);
                        long v = INTERESTING[r.nextInt(INTERESTING.length)];
                        if (r.nextBoolean()) {
                            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(p, v);
                        } else {
                            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(p, (int) v);
                        }
                        what.append("value@").append(p).append('=').append(v).append(' ');
                    }
                }
                case 5 -> {
                    b = MutationRun.deleteByte(b, pos);
                    what.append("delete@").append(pos).append(' ');
                }
                default -> {
                    b = MutationRun.insertByte(b, pos, (byte) r.nextInt(256));
                    what.append("insert@").append(pos).append(' ');
                }
            }
            if (b.length == 0) {
                break;
            }
        }
        return b;
    }
}
