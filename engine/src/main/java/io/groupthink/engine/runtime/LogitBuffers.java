package io.groupthink.engine.runtime;

/**
 * Logit arrays a caller keeps from pass to pass, as llama.cpp's context keeps its logits: a pass
 * writes a row's logits into the same array each time, and they hold until the caller's next
 * pass, so a caller that keeps a row longer copies it. A decode row's logits are 600 KB at a 152K
 * vocabulary; a new array each step was zeroed by the JVM and then written again by the head, in
 * memory no cache held, and kept the collector busy (BENCHMARKS.md, twelfth session). Not
 * thread-safe: one caller, one pass at a time.
 */
public final class LogitBuffers {

    /** Batch rows up to this many keep their arrays; a pass wanting more gets new ones for the rest. */
    static final int KEPT_ROWS = 16;

    private float[][] rows = new float[0][];
    private float[] flat = new float[0];

    /** Batch row {@code row}'s array of {@code vocab} logits: kept if the row is among the first KEPT_ROWS. */
    float[] row(int row, int vocab) {
        if (row >= KEPT_ROWS) {
            return new float[vocab];
        }
        if (row >= rows.length) {
            rows = java.util.Arrays.copyOf(rows, row + 1);
        }
        if (rows[row] == null || rows[row].length != vocab) {
            rows[row] = new float[vocab];
        }
        return rows[row];
    }

    /** The head's output for {@code count} rows [count, vocab] row-major, before it goes to each row's array. */
    float[] flat(int count, int vocab) {
        if (count > KEPT_ROWS) {
            return new float[count * vocab];
        }
        if (flat.length != count * vocab) {
            flat = new float[count * vocab];
        }
        return flat;
    }
}
