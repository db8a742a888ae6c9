package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation run over a small valid safetensors file: every mutant either opens (and every
 * tensor maps) or is refused with a {@link ModelLoadException}; no other exception, no crash.
 */
class SafetensorsMutationTest {

    private static final long SEED = 0x5afe7e25L;
    private static final int ATTEMPTS = 300;
    private static final byte[] INTERESTING = "{}[]\",:-0123456789.eE ".getBytes(StandardCharsets.US_ASCII);
    private static final long[] INTERESTING_LENGTHS = {0, 1, 2, 7, 8, -1, Long.MIN_VALUE, Long.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, SafetensorsFile.MAX_HEADER_BYTES,
            SafetensorsFile.MAX_HEADER_BYTES + 1};

    @TempDir
    Path tmp;

    /** Three small F32 tensors, so the header is a large part of the file. */
    static byte[] seedFile(Path file) throws IOException {
        new SafetensorsWriter()
                .add("model.embed_tokens.weight", new long[] {4, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
                .add("model.norm.weight", new long[] {3}, new float[] {1, 1, 1})
                .add("model.layers.0.mlp.down_proj.weight", new long[] {3, 2}, new float[] {.5f, -.5f, 0, 1e-8f, 2, 3})
                .write(file, DType.F32);
        return Files.readAllBytes(file);
    }

    @Test
    void everyMutantLoadsOrThrowsModelLoadException() throws IOException {
        byte[] original = seedFile(tmp.resolve("seed.safetensors"));
        int headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(open(tmp.resolve("seed-check.safetensors"), original)).isNull(); // the seed itself is valid

        MutationRun.run(tmp, ".safetensors", ATTEMPTS, SEED, (random, what) -> mutate(original, headerEnd, random, what),
                SafetensorsMutationTest::open);
    }

    /** Opens and maps every entry; returns what was thrown, or null. Errors are caught too: none may escape. */
    private static Throwable open(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try {
            SafetensorsFile f = SafetensorsFile.open(file);
            for (SafetensorsFile.Entry e : f.entries().values()) {
                ByteBuffer b = f.map(e);
                if (b.remaining() != e.byteSize()) {
                    return new AssertionError("mapped " + b.remaining() + " bytes for " + e);
                }
                if (e.byteSize() > 0) {
                    b.get(b.remaining() - 1); // touch the last byte: it must be inside the file
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
            // Three in four mutations hit the length field or the header: the data bytes are opaque.
            int pos = r.nextInt(4) == 0 ? r.nextInt(Math.max(1, b.length)) : r.nextInt(Math.max(1, Math.min(headerEnd, b.length)));
            switch (r.nextInt(8)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[pos] ^= (byte) (1 << r.nextInt(8));
                        what.append("flip@").append(pos).append(' ');
                    }
                }
                case 1 -> {
                    if (b.length > 0) {
                        b[pos] = (byte) r.nextInt(256);
                        what.append("set@").append(pos).append(' ');
                    }
                }
                case 2 -> {
                    if (b.length > 0) {
                        b[pos] = INTERESTING[r.nextInt(INTERESTING.length)];
                        what.append("char@").append(pos).append('=').append((char) b[pos]).append(' ');
                    }
                }
                case 3 -> {
                    int len = r.nextInt(b.length + 1);
                    b = Arrays.copyOf(b, len);
                    what.append("truncate:").append(len).append(' ');
                }
                case 4 -> {
                    byte[] extra = new byte[1 + r.nextInt(16)];
                    r.nextBytes(extra);
                    b = BadFiles.concat(b, extra);
                    what.append("append:").append(extra.length).append(' ');
                }
                case 5 -> {
                    if (b.length >= 8) {
                        long len = r.nextBoolean()
                                ? INTERESTING_LENGTHS[r.nextInt(INTERESTING_LENGTHS.length)]
                                : headerEnd - 8 + r.nextInt(-16, 17);
                        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
                        what.append("length=").append(len).append(' ');
                    }
                }
                case 6 -> { // delete one byte
                    if (b.length > 0) {
                        b = MutationRun.deleteByte(b, pos);
                        what.append("delete@").append(pos).append(' ');
                    }
                }
                default -> { // insert one interesting byte
                    b = MutationRun.insertByte(b, pos, INTERESTING[r.nextInt(INTERESTING.length)]);
                    what.append("insert@").append(pos).append('=').append((char) b[pos]).append(' ');
                }
            }
        }
        return b;
    }
}
