package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The few-row product over block-quantized weights (ggml's formats: 32 weights share one scale).
 * Each block is decoded once per product, for all rows: a column block's weights are decoded a
 * chunk of inputs at a time into an fp32 buffer that stays in L1, and the rows' register tiles
 * run over that buffer. So 16 rows cost one decode, and a subclass only says how its codes decode.
 *
 * <p>Layout: as {@link VectorLinear}, column blocks of L outputs with, for each input, the L
 * outputs' codes side by side, so that one vector load decodes L weights; scales are kept as fp32
 * (the fp16 value the file holds, widened once), one vector per column block and block of 32
 * inputs. A row whose {@code in} is not a multiple of 32 is padded with zero weights: the last
 * block is quantized over its real values only, and the padding never meets an input.
 */
abstract sealed class BlockLinear extends HeapLinear permits Q8_0Linear, Q4_0Linear {

    static final int BLOCK = 32;
    private static final int CHUNK_BLOCKS = 8; // 256 inputs of L columns decoded at a time: 16 KiB on AVX-512

    final int inBlocks;
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

    /** 1, 4 or 8-row tiles: 2-3 rows run as 4 and 5-7 as 8, reading the weights once. */
    @Override
    int tiledRows(int rows) {
        return padded(rows, 1);
    }

    @Override
    void range(float[] x, float[] xt, int rows, float[] y, int b0, int b1) {
        float[] w = new float[CHUNK_BLOCKS * BLOCK * L];
        float[] acc = new float[rows * L];
        for (int b = b0; b < b1; b++) {
            Arrays.fill(acc, 0f);
            for (int kb0 = 0; kb0 < inBlocks; kb0 += CHUNK_BLOCKS) {
                int kb1 = Math.min(inBlocks, kb0 + CHUNK_BLOCKS);
                for (int kb = kb0; kb < kb1; kb++) {
                    decode(b, kb, w, (kb - kb0) * BLOCK * L);
                }
                int i0 = kb0 * BLOCK;
                int n = Math.min(in, kb1 * BLOCK) - i0; // the zero padding past in meets no input
                int r = 0;
                while (rows - r >= 8) {
                    rows8(w, n, xt, r * in + i0 * 8, acc, r);
                    r += 8;
                }
                if (rows - r >= 4) {
                    rows4(w, n, x, r * in + i0, acc, r);
                    r += 4;
                }
                if (rows - r == 1) {
                    rows1(w, n, x, r * in + i0, acc, r);
                }
            }
            for (int r = 0; r < rows; r++) {
                store(FloatVector.fromArray(S, acc, r * L), y, r, b);
            }
        }
    }

    // The tiles below have VectorLinear's shape but read a decoded fp32 buffer: VectorLinear's read
    // its packed weights through a load that widens bf16 in registers. One tile over both sources
    // would make that load a virtual call with several receivers, which C2 does not inline, and the
    // vectors would then be boxed (measured 20x slower for the accumulator-array form).

    /** acc[row] += the n decoded inputs times x[x0..x0 + n): four chains, so FMAs do not wait on each other. */
    private static void rows1(float[] w, int n, float[] x, int x0, float[] acc, int row) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int k = i * L;
            a0 = FloatVector.fromArray(S, w, k).fma(FloatVector.broadcast(S, x[x0 + i]), a0);
            a1 = FloatVector.fromArray(S, w, k + L).fma(FloatVector.broadcast(S, x[x0 + i + 1]), a1);
            a2 = FloatVector.fromArray(S, w, k + 2 * L).fma(FloatVector.broadcast(S, x[x0 + i + 2]), a2);
            a3 = FloatVector.fromArray(S, w, k + 3 * L).fma(FloatVector.broadcast(S, x[x0 + i + 3]), a3);
        }
        for (; i < n; i++) {
            a0 = FloatVector.fromArray(S, w, i * L).fma(FloatVector.broadcast(S, x[x0 + i]), a0);
        }
        add(a0.add(a1).add(a2.add(a3)), acc, row);
    }

    /** Four rows of row-major x, a row {@code in} apart. */
    private void rows4(float[] w, int n, float[] x, int x0, float[] acc, int row) {
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int i = 0; i < n; i++) {
            FloatVector wi = FloatVector.fromArray(S, w, i * L);
            a0 = wi.fma(FloatVector.broadcast(S, x[x0 + i]), a0);
            a1 = wi.fma(FloatVector.broadcast(S, x[x1 + i]), a1);
            a2 = wi.fma(FloatVector.broadcast(S, x[x2 + i]), a2);
            a3 = wi.fma(FloatVector.broadcast(S, x[x3 + i]), a3);
        }
        add(a0, acc, row);
        add(a1, acc, row + 1);
        add(a2, acc, row + 2);
        add(a3, acc, row + 3);
    }

    /** Eight rows of interleaved x (the 8 rows' x[i] side by side). */
    private static void rows8(float[] w, int n, float[] xt, int x0, float[] acc, int row) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector a6 = FloatVector.zero(S);
        FloatVector a7 = FloatVector.zero(S);
        for (int i = 0; i < n; i++) {
            FloatVector wi = FloatVector.fromArray(S, w, i * L);
            int xi = x0 + i * 8;
            a0 = wi.fma(FloatVector.broadcast(S, xt[xi]), a0);
            a1 = wi.fma(FloatVector.broadcast(S, xt[xi + 1]), a1);
            a2 = wi.fma(FloatVector.broadcast(S, xt[xi + 2]), a2);
            a3 = wi.fma(FloatVector.broadcast(S, xt[xi + 3]), a3);
            a4 = wi.fma(FloatVector.broadcast(S, xt[xi + 4]), a4);
            a5 = wi.fma(FloatVector.broadcast(S, xt[xi + 5]), a5);
            a6 = wi.fma(FloatVector.broadcast(S, xt[xi + 6]), a6);
            a7 = wi.fma(FloatVector.broadcast(S, xt[xi + 7]), a7);
        }
        add(a0, acc, row);
        add(a1, acc, row + 1);
        add(a2, acc, row + 2);
        add(a3, acc, row + 3);
        add(a4, acc, row + 4);
        add(a5, acc, row + 5);
        add(a6, acc, row + 6);
        add(a7, acc, row + 7);
    }

    private static void add(FloatVector v, float[] acc, int row) {
        FloatVector.fromArray(S, acc, row * L).add(v).intoArray(acc, row * L);
    }

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

    /** Compiles both formats' paths for every tile (see {@link VectorLinear#warmUp}). */
    static void warmUp(SpinPool pool, int parts) {
        int out = 4 * L;
        int in = 512;
        float[] weight = new float[out * in];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (i % 7) - 3;
        }
        BlockLinear q8 = Q8_0Linear.quantized(weight, out, in, null, pool, parts);
        BlockLinear q4 = Q4_0Linear.quantized(weight, out, in, null, pool, parts);
        float[] x = new float[16 * in];
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int round = 0; round < 300 && System.nanoTime() < deadline; round++) {
            for (int rows : new int[] {1, 2, 4, 8, 9, 16}) {
                q8.multiply(x, rows);
                q4.multiply(x, rows);
            }
        }
    }
}
