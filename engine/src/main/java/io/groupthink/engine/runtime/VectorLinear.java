package io.groupthink.engine.runtime;

import ai.djl.ndarray.NDArray;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A few-row product for decoding: y = x W^T (+ b) for 1 to 16 rows, reading each weight once
 * for all rows, split over the cores; arithmetic in fp32.
 *
 * <p>Decode is bound by reading weights, and LibTorch's MKL path is slow for 2-16 rows on this
 * CPU. Here W is packed once into blocks of L output columns (L = the vector width, 16 on
 * AVX-512): block b holds, for each input i, W[bL..bL+L-1][i] contiguously, so the inner loop
 * streams the weights sequentially and keeps one vector accumulator per row in a local variable
 * (an array of accumulators was measured 20x slower). The packed copy is the only copy: the
 * caller drops the original.
 *
 * <p>Weights are stored as bf16 when that is exact, as it is for every weight of a bf16
 * checkpoint: half the bytes to stream per token, widened to fp32 in registers (a shift), so the
 * products are bit-for-bit those of the fp32 weights.
 */
public final class VectorLinear extends HeapLinear {

    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);

    private final Packed packed; // [blocks][in][L]

    /** Packs a [out, in] weight given row-major; {@code bias} may be null. */
    VectorLinear(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts, WeightStorage storage) {
        super(in, out, bias, pool, parts);
        long size = (long) blocks * in * L;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weight [" + out + ", " + in + "] is too large to pack in one array");
        }
        boolean half = storage == WeightStorage.BF16_WHERE_EXACT && Bf16.exact(weight);
        this.packed = half ? new Bf16((int) size) : new F32((int) size);
        for (int o = 0; o < out; o++) {
            int b = o / L;
            int lane = o % L;
            int src = o * in;
            int dst = b * in * L + lane;
            for (int i = 0; i < in; i++) {
                packed.set(dst + i * L, weight[src + i]);
            }
        }
    }

    /** The packed weights: one vector of L columns at a time, widened to fp32. */
    private abstract static sealed class Packed permits F32, Bf16 {
        abstract FloatVector load(int index);

        abstract float get(int index);

        abstract void set(int index, float value);

        abstract long bytes();
    }

    private static final class F32 extends Packed {
        private final float[] a;

        F32(int size) {
            a = new float[size];
        }

        @Override
        FloatVector load(int index) {
            return FloatVector.fromArray(S, a, index);
        }

        @Override
        float get(int index) {
            return a[index];
        }

        @Override
        void set(int index, float value) {
            a[index] = value;
        }

        @Override
        long bytes() {
            return 4L * a.length;
        }
    }

    /** The upper 16 bits of each fp32 weight; widening back is a shift, exact by construction. */
    private static final class Bf16 extends Packed {
        private final short[] a;

        Bf16(int size) {
            a = new short[size];
        }

        static boolean exact(float[] weight) {
            for (float v : weight) {
                if ((Float.floatToRawIntBits(v) & 0xFFFF) != 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        FloatVector load(int index) {
            return ShortVector.fromArray(H, a, index).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }

        @Override
        float get(int index) {
            return Float.intBitsToFloat(a[index] << 16);
        }

        @Override
        void set(int index, float value) {
            a[index] = (short) (Float.floatToRawIntBits(value) >>> 16);
        }

        @Override
        long bytes() {
            return 2L * a.length;
        }
    }

    /** Bytes the packed weights occupy and stream per product (including a last block's padding). */
    @Override
    public long weightBytes() {
        return packed.bytes();
    }

    /**
     * Rows rounded up so that the last group is one register tile (1, 2, 4 or 8 rows): 3 rows as
     * a 2-row and a 1-row pass read the weights twice and took 1.8x the time of 4 rows in one
     * pass on the 151936-row head; 5-7 rows likewise run as 8.
     */
    @Override
    int tiledRows(int rows) {
        return padded(rows, 2);
    }

    /**
     * Blocks [b0, b1) for all rows, at most eight rows per pass (one register each). Rows loop
     * inside the block loop, so for long prefills a block's weights are re-read from cache, not
     * from memory.
     */
    @Override
    void range(float[] x, float[] xt, int rows, float[] y, int b0, int b1) {
        int b = b0;
        if (rows == 1) {
            // four column blocks a pass: four streams from memory instead of one; one core read the
            // bf16 head at 13.0 GB/s so against 10.5 (BENCHMARKS.md, thirteenth session)
            for (; b + 4 <= b1; b += 4) {
                if (packed instanceof Bf16 h) {
                    rows1x4(h.a, x, y, b);
                } else {
                    rows1x4(((F32) packed).a, x, y, b);
                }
            }
        }
        if (rows > 1) {
            // two column blocks per pass: each broadcast input feeds two FMAs
            for (; b + 1 < b1; b += 2) {
                int r = 0;
                while (rows - r >= 8) {
                    rows8x2(xt, r, y, b);
                    r += 8;
                }
                if (rows - r >= 4) {
                    rows4x2(x, r, y, b);
                    r += 4;
                }
                if (rows - r >= 2) {
                    rows2x2(x, r, y, b);
                    r += 2;
                }
                if (rows - r == 1) {
                    rows1(x, r, y, b);
                    rows1(x, r, y, b + 1);
                }
            }
        }
        for (; b < b1; b++) {
            int r = 0;
            while (rows - r >= 8) {
                rows8(xt, r, y, b);
                r += 8;
            }
            if (rows - r >= 4) {
                rows4(x, r, y, b);
                r += 4;
            }
            if (rows - r >= 2) {
                rows2(x, r, y, b);
                r += 2;
            }
            if (rows - r == 1) {
                rows1(x, r, y, b);
            }
        }
    }

    /** Four rows, blocks b and b + 1. */
    private void rows4x2(float[] x, int r, float[] y, int b) {
        int x0 = r * in;
        int base0 = b * in * L;
        int base1 = base0 + in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector w0 = packed.load(base0 + i * L);
            FloatVector w1 = packed.load(base1 + i * L);
            int xi = x0 + i;
            FloatVector v0 = FloatVector.broadcast(S, x[xi]);
            FloatVector v1 = FloatVector.broadcast(S, x[xi + in]);
            FloatVector v2 = FloatVector.broadcast(S, x[xi + 2 * in]);
            FloatVector v3 = FloatVector.broadcast(S, x[xi + 3 * in]);
            a0 = w0.fma(v0, a0);
            c0 = w1.fma(v0, c0);
            a1 = w0.fma(v1, a1);
            c1 = w1.fma(v1, c1);
            a2 = w0.fma(v2, a2);
            c2 = w1.fma(v2, c2);
            a3 = w0.fma(v3, a3);
            c3 = w1.fma(v3, c3);
        }
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
        store(a2, y, r + 2, b);
        store(a3, y, r + 3, b);
        store(c0, y, r, b + 1);
        store(c1, y, r + 1, b + 1);
        store(c2, y, r + 2, b + 1);
        store(c3, y, r + 3, b + 1);
    }

    /** Two rows, blocks b and b + 1: four independent FMA chains (two would wait on FMA latency). */
    private void rows2x2(float[] x, int r, float[] y, int b) {
        int x0 = r * in;
        int x1 = x0 + in;
        int base0 = b * in * L;
        int base1 = base0 + in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector w0 = packed.load(base0 + i * L);
            FloatVector w1 = packed.load(base1 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            FloatVector v1 = FloatVector.broadcast(S, x[x1 + i]);
            a0 = w0.fma(v0, a0);
            c0 = w1.fma(v0, c0);
            a1 = w0.fma(v1, a1);
            c1 = w1.fma(v1, c1);
        }
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
        store(c0, y, r, b + 1);
        store(c1, y, r + 1, b + 1);
    }

    /** Eight rows, blocks b and b + 1: 16 accumulators, 2 weight vectors, 8 broadcasts (of 32 registers). */
    private void rows8x2(float[] xt, int r, float[] y, int b) {
        int x0 = r * in; // group r / 8 starts at 8 * in * (r / 8) = r * in
        int base0 = b * in * L;
        int base1 = base0 + in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector a6 = FloatVector.zero(S);
        FloatVector a7 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S);
        FloatVector c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        FloatVector c7 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector w0 = packed.load(base0 + i * L);
            FloatVector w1 = packed.load(base1 + i * L);
            int xi = x0 + i * 8;
            FloatVector v = FloatVector.broadcast(S, xt[xi]);
            a0 = w0.fma(v, a0);
            c0 = w1.fma(v, c0);
            v = FloatVector.broadcast(S, xt[xi + 1]);
            a1 = w0.fma(v, a1);
            c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, xt[xi + 2]);
            a2 = w0.fma(v, a2);
            c2 = w1.fma(v, c2);
            v = FloatVector.broadcast(S, xt[xi + 3]);
            a3 = w0.fma(v, a3);
            c3 = w1.fma(v, c3);
            v = FloatVector.broadcast(S, xt[xi + 4]);
            a4 = w0.fma(v, a4);
            c4 = w1.fma(v, c4);
            v = FloatVector.broadcast(S, xt[xi + 5]);
            a5 = w0.fma(v, a5);
            c5 = w1.fma(v, c5);
            v = FloatVector.broadcast(S, xt[xi + 6]);
            a6 = w0.fma(v, a6);
            c6 = w1.fma(v, c6);
            v = FloatVector.broadcast(S, xt[xi + 7]);
            a7 = w0.fma(v, a7);
            c7 = w1.fma(v, c7);
        }
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
        store(a2, y, r + 2, b);
        store(a3, y, r + 3, b);
        store(a4, y, r + 4, b);
        store(a5, y, r + 5, b);
        store(a6, y, r + 6, b);
        store(a7, y, r + 7, b);
        store(c0, y, r, b + 1);
        store(c1, y, r + 1, b + 1);
        store(c2, y, r + 2, b + 1);
        store(c3, y, r + 3, b + 1);
        store(c4, y, r + 4, b + 1);
        store(c5, y, r + 5, b + 1);
        store(c6, y, r + 6, b + 1);
        store(c7, y, r + 7, b + 1);
    }

    /**
     * One row: four accumulators over interleaved inputs, so consecutive FMAs do not wait on each
     * other (a single chain is bound by FMA latency, not by memory).
     */
    private void rows1(float[] x, int r, float[] y, int b) {
        int x0 = r * in;
        int base = b * in * L;
        FloatVector a = FloatVector.zero(S); // one chain, in rows1x4's order
        for (int i = 0; i < in; i++) {
            a = packed.load(base + i * L).fma(FloatVector.broadcast(S, x[x0 + i]), a);
        }
        store(a, y, r, b);
    }

    // The two one-row tiles over four column blocks do the same operations in the same order, so a
    // bf16 weight gives the products of its fp32 twin bit for bit; written once per storage, as
    // the shared load boxed its vectors in a tile of several blocks (eighth session).

    /** One row, blocks b to b + 3, fp32 weights: one chain a block, each broadcast of x feeding four FMAs. */
    private void rows1x4(float[] w, float[] x, float[] y, int b) {
        int next = in * L;
        int base = b * next;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            int k = base + i * L;
            FloatVector xi = FloatVector.broadcast(S, x[i]);
            a0 = FloatVector.fromArray(S, w, k).fma(xi, a0);
            a1 = FloatVector.fromArray(S, w, k + next).fma(xi, a1);
            a2 = FloatVector.fromArray(S, w, k + 2 * next).fma(xi, a2);
            a3 = FloatVector.fromArray(S, w, k + 3 * next).fma(xi, a3);
        }
        store(a0, y, 0, b);
        store(a1, y, 0, b + 1);
        store(a2, y, 0, b + 2);
        store(a3, y, 0, b + 3);
    }

    /** As the fp32 tile, bf16 weights widened in registers. */
    private void rows1x4(short[] w, float[] x, float[] y, int b) {
        int next = in * L;
        int base = b * next;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            int k = base + i * L;
            FloatVector xi = FloatVector.broadcast(S, x[i]);
            a0 = ((FloatVector) ShortVector.fromArray(H, w, k).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xi, a0);
            a1 = ((FloatVector) ShortVector.fromArray(H, w, k + next).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xi, a1);
            a2 = ((FloatVector) ShortVector.fromArray(H, w, k + 2 * next).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xi, a2);
            a3 = ((FloatVector) ShortVector.fromArray(H, w, k + 3 * next).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()).fma(xi, a3);
        }
        store(a0, y, 0, b);
        store(a1, y, 0, b + 1);
        store(a2, y, 0, b + 2);
        store(a3, y, 0, b + 3);
    }

    private void rows2(float[] x, int r, float[] y, int b) {
        int x0 = r * in;
        int x1 = x0 + in;
        int base = b * in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector wi = packed.load(base + i * L);
            a0 = wi.fma(FloatVector.broadcast(S, x[x0 + i]), a0);
            a1 = wi.fma(FloatVector.broadcast(S, x[x1 + i]), a1);
        }
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
    }

    private void rows4(float[] x, int r, float[] y, int b) {
        int x0 = r * in;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int base = b * in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector wi = packed.load(base + i * L);
            a0 = wi.fma(FloatVector.broadcast(S, x[x0 + i]), a0);
            a1 = wi.fma(FloatVector.broadcast(S, x[x1 + i]), a1);
            a2 = wi.fma(FloatVector.broadcast(S, x[x2 + i]), a2);
            a3 = wi.fma(FloatVector.broadcast(S, x[x3 + i]), a3);
        }
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
        store(a2, y, r + 2, b);
        store(a3, y, r + 3, b);
    }

    private void rows8(float[] xt, int r, float[] y, int b) {
        int x0 = r * in;
        int base = b * in * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector a6 = FloatVector.zero(S);
        FloatVector a7 = FloatVector.zero(S);
        for (int i = 0; i < in; i++) {
            FloatVector wi = packed.load(base + i * L);
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
        store(a0, y, r, b);
        store(a1, y, r + 1, b);
        store(a2, y, r + 2, b);
        store(a3, y, r + 3, b);
        store(a4, y, r + 4, b);
        store(a5, y, r + 5, b);
        store(a6, y, r + 6, b);
        store(a7, y, r + 7, b);
    }

    @Override
    void row(int o, float[] dst, int offset) {
        int base = (o / L) * in * L + o % L;
        for (int i = 0; i < in; i++) {
            dst[offset + i] = packed.get(base + i * L);
        }
    }

    /**
     * Runs every row path until the JIT has compiled it. Until C2 compiles them, Vector API loops
     * run boxed, orders of magnitude slower, so the first requests (and benchmarks) would
     * otherwise measure the compiler. Takes about a second, once per JVM.
     *
     * <p>Two shapes take turns: a tile compiled on one shape's profile alone (512 inputs, whole
     * blocks) was thrown out by C2 on the first product of another (a profiled loop predicate
     * failed), and ran boxed for about five seconds until it was compiled again: a small model's
     * first requests then allocated 5 MB a step and ran many times slower.
     */
    static void warmUp(SpinPool pool, int parts) {
        int shapes = WARM_UP_SHAPES.length;
        VectorLinear[] half = new VectorLinear[shapes];
        VectorLinear[] full = new VectorLinear[shapes];
        float[][] xs = new float[shapes][];
        for (int s = 0; s < shapes; s++) {
            int out = WARM_UP_SHAPES[s][0];
            int in = WARM_UP_SHAPES[s][1];
            float[] w = new float[out * in];
            java.util.Arrays.fill(w, 0.5f); // exact in bf16: both storages get compiled
            half[s] = new VectorLinear(w, out, in, null, pool, parts, WeightStorage.BF16_WHERE_EXACT);
            full[s] = new VectorLinear(w, out, in, null, pool, parts, WeightStorage.FP32);
            xs[s] = new float[16 * in];
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int round = 0; round < 400 && System.nanoTime() < deadline; round++) {
            for (int rows : new int[] {1, 2, 3, 4, 8, 12, 16}) {
                for (int s = 0; s < shapes; s++) {
                    half[s].multiplySwiGlu(xs[s], rows); // the fused SwiGLU where the shape allows, else the two steps
                    full[s].multiply(xs[s], rows);
                }
            }
        }
    }

    /**
     * [out, in] of the warm-up products: an even number of whole column blocks and inputs a
     * multiple of 4, then an odd number of blocks (a pass over one block), the last one cut short,
     * and inputs that leave a remainder, so every path the tiles have is in the profile C2
     * compiles them from.
     */
    static final int[][] WARM_UP_SHAPES = {{4 * L, 512}, {2 * L + 6, 70}};

    /** Builds from an NDArray weight [out, in] (copied out of native memory). */
    static VectorLinear of(NDArray weight, NDArray bias, SpinPool pool, int parts, WeightStorage storage) {
        int out = (int) weight.getShape().get(0);
        int in = (int) weight.getShape().get(1);
        return new VectorLinear(weight.toFloatArray(), out, in, bias == null ? null : bias.toFloatArray(), pool, parts,
                storage);
    }
}
