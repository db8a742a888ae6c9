package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * The few-row product over block-quantized weights (ggml's formats: 32 weights share one scale).
 * Each code vector is decoded once per register tile, in registers, and multiplied into all the
 * tile's rows (1, 4 or 8); the scale is applied once per block to each row's partial sum. A
 * subclass holds a format's tiles and its decode.
 *
 * <p>Layout: as {@link VectorLinear}, column blocks of L outputs with, for each input, the L
 * outputs' codes side by side, so that one vector load decodes L weights; scales are kept as fp32
 * (the fp16 value the file holds, widened once), one vector per column block and block of 32
 * inputs. A row whose {@code in} is not a multiple of 32 is padded with zero weights: the last
 * block is quantized over its real values only, and the padding never meets an input.
 */
abstract sealed class BlockLinear extends HeapLinear permits Q8_0Linear, Q4_0Linear {

    static final int BLOCK = 32;

    final int inBlocks;
    final int width; // in, padded to whole blocks
    final byte[] codes; // [blocks][inBlocks][codeBytes][L]
    final float[] scales; // [blocks][inBlocks][L]

    /** How a format writes rows of floats as ggml blocks (its quantize). */
    @FunctionalInterface
    interface Quantizer {
        void quantize(float[] x, int off, int n, ByteBuffer out);
    }

    /**
     * @param rows      ggml blocks of each row of W [out, in] in turn: ceil(in / 32) blocks of a
     *                  2-byte fp16 scale and {@code codeBytes} bytes of codes each
     * @param codeBytes bytes of codes per block (32 for Q8_0, 16 for Q4_0)
     */
    BlockLinear(ByteBuffer rows, int out, int in, int codeBytes, float[] bias, SpinPool pool, int parts) {
        super(in, out, bias, pool, parts);
        this.inBlocks = (in + BLOCK - 1) / BLOCK;
        this.width = inBlocks * BLOCK;
        int blockBytes = 2 + codeBytes;
        long need = (long) out * inBlocks * blockBytes;
        long size = (long) blocks * inBlocks * codeBytes * L;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weight [" + out + ", " + in + "] is too large to hold in one array");
        }
        if (rows.remaining() < need) {
            throw new IllegalArgumentException("weight [" + out + ", " + in + "] needs " + need + " bytes of blocks, got "
                    + rows.remaining());
        }
        this.codes = new byte[(int) size];
        this.scales = new float[blocks * inBlocks * L];
        ByteBuffer src = rows.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = src.position();
        for (int o = 0; o < out; o++) {
            int b = o / L;
            int lane = o % L;
            for (int kb = 0; kb < inBlocks; kb++) {
                int pos = base + (o * inBlocks + kb) * blockBytes;
                int s = (b * inBlocks + kb) * L;
                scales[s + lane] = Floats.f16ToFloat(src.getShort(pos));
                for (int j = 0; j < codeBytes; j++) {
                    codes[(s * codeBytes) + j * L + lane] = src.get(pos + 2 + j);
                }
            }
        }
    }

    /**
     * Decodes input block {@code kb} of column block {@code b} into {@code w[dst..dst + 32 L)}:
     * w[dst + j L + lane] = weight(b L + lane, 32 kb + j), the value the format's dequantize gives.
     */
    abstract void decode(int b, int kb, float[] w, int dst);

    /** Rows of W [out, in] as ggml blocks, each row zero padded to whole blocks. */
    static ByteBuffer quantize(float[] weight, int out, int in, int blockBytes, Quantizer q) {
        int inBlocks = (in + BLOCK - 1) / BLOCK;
        ByteBuffer blocks = ByteBuffer.allocate(Math.multiplyExact(out, inBlocks * blockBytes))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[inBlocks * BLOCK];
        for (int o = 0; o < out; o++) {
            System.arraycopy(weight, o * in, row, 0, in);
            q.quantize(row, 0, row.length, blocks);
        }
        return blocks.flip();
    }

    /** A format's constructor from fp32 weights, for {@link #of}. */
    @FunctionalInterface
    interface Format {
        BlockLinear quantized(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts);
    }

    /** Quantizes an NDArray weight [out, in] (copied out of native memory) into the given format. */
    static BlockLinear of(NDArray weight, NDArray bias, SpinPool pool, int parts, Format format) {
        int out = (int) weight.getShape().get(0);
        int in = (int) weight.getShape().get(1);
        return format.quantized(weight.toFloatArray(), out, in, bias == null ? null : bias.toFloatArray(), pool, parts);
    }

    @Override
    public long weightBytes() {
        return codes.length + 4L * scales.length;
    }

    /** Rows padded to whole blocks: the tiles read 32 inputs a block. */
    @Override
    int width() {
        return width;
    }

    /** 1, 4 or 8-row tiles: 2-3 rows run as 4 and 5-7 as 8, reading the weights once. */
    @Override
    int tiledRows(int rows) {
        return padded(rows, 1);
    }

    /** Four-block passes of [b0, b1) at this row count: rows 1 and 4 (at 4, the tile stores whole blocks only). */
    private int quads(int rows, int b0, int b1) {
        if (rows == 1) {
            return (b1 - b0) / 4;
        }
        if (rows == 4) {
            return ((b1 * L <= out ? b1 : b1 - 1) - b0) / 4;
        }
        return 0;
    }

    /** At one and four rows, the products whose four-block tiles take most of a step. */
    @Override
    boolean inPasses(int rows) {
        return rows == 1 || rows == 4;
    }

    /** The four-block passes, and the blocks after them as one more. */
    @Override
    int passes(int rows, int b0, int b1) {
        int quads = quads(rows, b0, b1);
        return quads + (b0 + 4 * quads < b1 ? 1 : 0);
    }

    @Override
    float[] passInput(float[] x, int rows) {
        return blockSums(x, rows);
    }

    @Override
    int pass(float[] x, float[] sums, int rows, float[] y, int b0, int b1, int i, int[] blocks) {
        int quads = quads(rows, b0, b1);
        if (i < quads) {
            if (rows == 1) {
                rows1x4(x, sums, 0, y, b0 + i, quads);
            } else {
                rows4x4(x, sums, 0, y, b0 + i, quads);
            }
            for (int k = 0; k < 4; k++) {
                blocks[k] = b0 + i + k * quads;
            }
            return 4;
        }
        int b = b0 + 4 * quads;
        tail(x, null, sums, rows, y, b, b1); // at one and four rows no tile reads x interleaved
        for (int k = 0; k < b1 - b; k++) { // at most 3, and a last padded block at four rows
            blocks[k] = b + k;
        }
        return b1 - b;
    }

    @Override
    void range(float[] x, float[] xt, int rows, float[] y, int b0, int b1) {
        float[] sums = blockSums(x, rows);
        // A pass's four column blocks lie a quarter of the range apart, so that each of the four
        // weight streams runs on through its quarter rather than three of them starting afresh
        // every pass (BENCHMARKS.md, sixteenth session).
        int quads = quads(rows, b0, b1);
        for (int i = 0; i < quads; i++) {
            if (rows == 1) {
                rows1x4(x, sums, 0, y, b0 + i, quads);
            } else {
                rows4x4(x, sums, 0, y, b0 + i, quads);
            }
        }
        tail(x, xt, sums, rows, y, b0 + 4 * quads, b1);
    }

    /** Blocks [b, b1) after the four-block passes: two-block tiles, then one block at a time. */
    private void tail(float[] x, float[] xt, float[] sums, int rows, float[] y, int b, int b1) {
        if (rows == 1) {
            for (; b + 2 <= b1; b += 2) {
                rows1x2(x, sums, 0, y, b);
            }
        }
        if (rows == 4) {
            for (; b + 2 <= b1; b += 2) {
                rows4x2(x, sums, 0, y, b, 1);
            }
        }
        for (; b < b1; b++) {
            int r = 0;
            for (; rows - r >= 8; r += 8) {
                rows8(xt, sums, r, y, b);
            }
            if (rows - r >= 4) {
                rows4(x, sums, r, y, b);
                r += 4;
            }
            if (rows - r == 1) {
                rows1(x, sums, r, y, b);
            }
        }
    }

    // The tiles decode each code vector in registers and use it for all the tile's rows: a decoded
    // buffer (stored, then loaded back for the FMAs) cost 2.5x the product at one row. A
    // format's tiles are its own methods, so each vector load is one the JIT can inline. Tiles of
    // one row count sum a column's inputs in the same order, so a product does not depend on how
    // it was split among chunks and threads.

    /** Per row and input block, what a format subtracts from a block's sum (Q4_0's offset), or null. */
    float[] blockSums(float[] x, int rows) {
        return null;
    }

    /** Row r of y, column blocks b, b + step, b + 2 step and b + 3 step: each broadcast of x serves four code vectors. */
    abstract void rows1x4(float[] x, float[] sums, int r, float[] y, int b, int step);

    /** Row r of y, column blocks b and b + 1: each broadcast of x serves two code vectors. */
    abstract void rows1x2(float[] x, float[] sums, int r, float[] y, int b);

    /** Row r of y, column block b: x row-major, rows {@link #width} apart. */
    abstract void rows1(float[] x, float[] sums, int r, float[] y, int b);

    /**
     * Rows r..r+3 of y, column blocks b, b + step, b + 2 step and b + 3 step, all four whole. Q8_0 has
     * its own tile, four weight streams a core; Q4_0 runs two two-block tiles, as its four-block tile
     * measured no faster (decoding nibbles bounds it, BENCHMARKS.md, fourteenth session).
     */
    void rows4x4(float[] x, float[] sums, int r, float[] y, int b, int step) {
        rows4x2(x, sums, r, y, b, step);
        rows4x2(x, sums, r, y, b + 2 * step, step);
    }

    /**
     * Rows r..r+3 of y, column blocks b and b + step: two weight streams a core (BENCHMARKS.md,
     * thirteenth session).
     */
    abstract void rows4x2(float[] x, float[] sums, int r, float[] y, int b, int step);

    /** Rows r..r+3 of y, column block b. */
    abstract void rows4(float[] x, float[] sums, int r, float[] y, int b);

    /** Rows r..r+7 of y, column block b: xt interleaved (the 8 rows' x[i] side by side). */
    abstract void rows8(float[] xt, float[] sums, int r, float[] y, int b);

    @Override
    void row(int o, float[] dst, int offset) {
        float[] w = new float[BLOCK * L];
        int b = o / L;
        int lane = o % L;
        for (int kb = 0; kb < inBlocks; kb++) {
            decode(b, kb, w, 0);
            for (int j = 0; j < BLOCK && kb * BLOCK + j < in; j++) {
                dst[offset + kb * BLOCK + j] = w[j * L + lane];
            }
        }
    }

    /**
     * Compiles both formats' paths for every tile, on the shapes {@link VectorLinear#warmUp} gives
     * reason for and one wide enough that, fused with SwiGLU, two threads' chunks take four column
     * blocks at a time.
     */
    static void warmUp(SpinPool pool, int parts) {
        int[][] known = VectorLinear.WARM_UP_SHAPES;
        int[][] warmUpShapes = java.util.Arrays.copyOf(known, known.length + 1);
        warmUpShapes[warmUpShapes.length - 1] = new int[] {64 * L, 64};
        int shapes = warmUpShapes.length;
        BlockLinear[] q8 = new BlockLinear[shapes];
        BlockLinear[] q4 = new BlockLinear[shapes];
        float[][] xs = new float[shapes][];
        for (int s = 0; s < shapes; s++) {
            int out = warmUpShapes[s][0];
            int in = warmUpShapes[s][1];
            float[] weight = new float[out * in];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (i % 7) - 3;
            }
            q8[s] = Q8_0Linear.quantized(weight, out, in, null, pool, parts);
            q4[s] = Q4_0Linear.quantized(weight, out, in, null, pool, parts);
            xs[s] = new float[16 * in];
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int round = 0; round < 300 && System.nanoTime() < deadline; round++) {
            for (int rows : new int[] {1, 2, 4, 8, 9, 16}) {
                for (int s = 0; s < shapes; s++) {
                    q8[s].multiplySwiGlu(xs[s], rows); // the product, with SwiGLU where the shape allows
                    q4[s].multiplySwiGlu(xs[s], rows);
                }
            }
        }
    }
}
