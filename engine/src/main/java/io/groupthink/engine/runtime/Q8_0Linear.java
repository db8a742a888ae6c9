package io.groupthink.engine.runtime;

import io.groupthink.engine.quant.Q8_0;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.B2F;

/** The few-row kernel over Q8_0 weights: weight = code * scale, 8-bit signed codes (1.125 bytes a weight as held). */
final class Q8_0Linear extends BlockLinear {

    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));

    /** @param rows Q8_0 blocks of each row of W [out, in] in turn, as ggml (and a GGUF file) lays them out */
    Q8_0Linear(ByteBuffer rows, int out, int in, float[] bias, SpinPool pool, int parts) {
        super(rows, out, in, Q8_0.BLOCK, bias, pool, parts);
    }

    /** Quantizes a row-major fp32 W [out, in] as llama.cpp does. */
    static Q8_0Linear quantized(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts) {
        return new Q8_0Linear(quantize(weight, out, in, Q8_0.BYTES, Q8_0::quantize), out, in, bias, pool, parts);
    }

    // The code loads are written out in each tile rather than called through a helper: once the
    // helper had been compiled on its own, C2 stopped inlining it into a tile recompiled later,
    // and the vector it returned was boxed (one row ran at 5 GB/s instead of 45).

    @Override
    void rows1(float[] x, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        FloatVector acc = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int xi = x0 + kb * Q8_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // even and odd inputs apart, in rows1x4's order
            FloatVector a1 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j += 2) {
                int k = w + j * L;
                a0 = ((FloatVector) ByteVector.fromArray(B, codes, k).convertShape(B2F, S, 0))
                        .fma(FloatVector.broadcast(S, x[xi + j]), a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, codes, k + L).convertShape(B2F, S, 0))
                        .fma(FloatVector.broadcast(S, x[xi + j + 1]), a1);
            }
            acc = a0.add(a1).fma(FloatVector.fromArray(S, scales, s), acc);
        }
        store(acc, y, r, b);
    }

    // C2 broadcasts each x from a register, a port-5 uop like the widening beside it; shared by two
    // column blocks it costs half, and the head's product from memory ran 17-20% faster.
    @Override
    void rows1x2(float[] x, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        int next = inBlocks * L; // from column block b to b + 1, in scales
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int w1 = w + next * Q8_0.BLOCK;
            int xi = x0 + kb * Q8_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // even and odd inputs apart, in rows1x4's order
            FloatVector a1 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S);
            FloatVector b1 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j += 2) {
                int k = w + j * L;
                int k1 = w1 + j * L;
                FloatVector x0v = FloatVector.broadcast(S, x[xi + j]);
                FloatVector x1v = FloatVector.broadcast(S, x[xi + j + 1]);
                a0 = ((FloatVector) ByteVector.fromArray(B, codes, k).convertShape(B2F, S, 0)).fma(x0v, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, codes, k + L).convertShape(B2F, S, 0)).fma(x1v, a1);
                b0 = ((FloatVector) ByteVector.fromArray(B, codes, k1).convertShape(B2F, S, 0)).fma(x0v, b0);
                b1 = ((FloatVector) ByteVector.fromArray(B, codes, k1 + L).convertShape(B2F, S, 0)).fma(x1v, b1);
            }
            acc0 = a0.add(a1).fma(FloatVector.fromArray(S, scales, s), acc0);
            acc1 = b0.add(b1).fma(FloatVector.fromArray(S, scales, s + next), acc1);
        }
        store(acc0, y, r, b);
        store(acc1, y, r, b + 1);
    }

    // Four column blocks a broadcast halve the broadcasts again, and the head's product from memory
    // ran about 15% faster, a whole one-row step 14-20% (BENCHMARKS.md, tenth session).
    @Override
    void rows1x4(float[] x, float[] sums, int r, float[] y, int b, int step) {
        int x0 = r * width;
        int next = step * inBlocks * L; // from column block b to b + step, in scales
        int nextCodes = next * Q8_0.BLOCK;
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        FloatVector acc3 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int xi = x0 + kb * Q8_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // two chains a block: four blocks keep eight FMAs in flight
            FloatVector a1 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S);
            FloatVector b1 = FloatVector.zero(S);
            FloatVector c0 = FloatVector.zero(S);
            FloatVector c1 = FloatVector.zero(S);
            FloatVector d0 = FloatVector.zero(S);
            FloatVector d1 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j += 2) {
                int k = w + j * L;
                FloatVector x0v = FloatVector.broadcast(S, x[xi + j]);
                FloatVector x1v = FloatVector.broadcast(S, x[xi + j + 1]);
                a0 = ((FloatVector) ByteVector.fromArray(B, codes, k).convertShape(B2F, S, 0)).fma(x0v, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, codes, k + L).convertShape(B2F, S, 0)).fma(x1v, a1);
                b0 = ((FloatVector) ByteVector.fromArray(B, codes, k + nextCodes).convertShape(B2F, S, 0)).fma(x0v, b0);
                b1 = ((FloatVector) ByteVector.fromArray(B, codes, k + nextCodes + L).convertShape(B2F, S, 0)).fma(x1v, b1);
                c0 = ((FloatVector) ByteVector.fromArray(B, codes, k + 2 * nextCodes).convertShape(B2F, S, 0)).fma(x0v, c0);
                c1 = ((FloatVector) ByteVector.fromArray(B, codes, k + 2 * nextCodes + L).convertShape(B2F, S, 0))
                        .fma(x1v, c1);
                d0 = ((FloatVector) ByteVector.fromArray(B, codes, k + 3 * nextCodes).convertShape(B2F, S, 0)).fma(x0v, d0);
                d1 = ((FloatVector) ByteVector.fromArray(B, codes, k + 3 * nextCodes + L).convertShape(B2F, S, 0))
                        .fma(x1v, d1);
            }
            acc0 = a0.add(a1).fma(FloatVector.fromArray(S, scales, s), acc0);
            acc1 = b0.add(b1).fma(FloatVector.fromArray(S, scales, s + next), acc1);
            acc2 = c0.add(c1).fma(FloatVector.fromArray(S, scales, s + 2 * next), acc2);
            acc3 = d0.add(d1).fma(FloatVector.fromArray(S, scales, s + 3 * next), acc3);
        }
        store(acc0, y, r, b);
        store(acc1, y, r, b + step);
        store(acc2, y, r, b + 2 * step);
        store(acc3, y, r, b + 3 * step);
    }

    @Override
    void rows4x2(float[] x, float[] sums, int r, float[] y, int b, int step) {
        int x0 = r * width;
        int x1 = x0 + width;
        int x2 = x1 + width;
        int x3 = x2 + width;
        int next = step * inBlocks * L; // from column block b to b + step, in scales
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector e0 = FloatVector.zero(S);
        FloatVector e1 = FloatVector.zero(S);
        FloatVector e2 = FloatVector.zero(S);
        FloatVector e3 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int w1 = w + next * Q8_0.BLOCK;
            int i0 = kb * Q8_0.BLOCK;
            FloatVector p0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            FloatVector q0 = FloatVector.zero(S);
            FloatVector q1 = FloatVector.zero(S);
            FloatVector q2 = FloatVector.zero(S);
            FloatVector q3 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j++) {
                FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2F, S, 0);
                FloatVector u = (FloatVector) ByteVector.fromArray(B, codes, w1 + j * L).convertShape(B2F, S, 0);
                int i = i0 + j;
                FloatVector xv = FloatVector.broadcast(S, x[x0 + i]);
                p0 = v.fma(xv, p0);
                q0 = u.fma(xv, q0);
                xv = FloatVector.broadcast(S, x[x1 + i]);
                p1 = v.fma(xv, p1);
                q1 = u.fma(xv, q1);
                xv = FloatVector.broadcast(S, x[x2 + i]);
                p2 = v.fma(xv, p2);
                q2 = u.fma(xv, q2);
                xv = FloatVector.broadcast(S, x[x3 + i]);
                p3 = v.fma(xv, p3);
                q3 = u.fma(xv, q3);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            c0 = p0.fma(d, c0);
            c1 = p1.fma(d, c1);
            c2 = p2.fma(d, c2);
            c3 = p3.fma(d, c3);
            FloatVector d1 = FloatVector.fromArray(S, scales, s + next);
            e0 = q0.fma(d1, e0);
            e1 = q1.fma(d1, e1);
            e2 = q2.fma(d1, e2);
            e3 = q3.fma(d1, e3);
        }
        store(c0, y, r, b);
        store(c1, y, r + 1, b);
        store(c2, y, r + 2, b);
        store(c3, y, r + 3, b);
        store(e0, y, r, b + step);
        store(e1, y, r + 1, b + step);
        store(e2, y, r + 2, b + step);
        store(e3, y, r + 3, b + step);
    }

    // Four column blocks a pass: four weight streams a core, and each broadcast feeds four FMAs. The
    // 16 partial sums take half the vector registers, so the totals live in y (a load and a store a
    // block; a scratch array of the thread's own measured slower). The head at four rows on two
    // threads went from 8.0-8.1 to 6.8-7.1 ms (BENCHMARKS.md, fourteenth session). The loop steps
    // the code index itself and reads x at fixed distances from one index: counting j and adding it
    // to eight offsets, C2 kept an array base in a vector register and moved it back and forth each
    // input, and gate-up and down ran slower on one thread (BENCHMARKS.md, fifteenth session).
    @Override
    void rows4x4(float[] x, float[] sums, int r, float[] y, int b, int step) {
        int x0 = r * width;
        int next = step * inBlocks * L; // from column block b to b + step, in scales
        int d1 = next * Q8_0.BLOCK; // the same, in codes
        int d2 = 2 * d1;
        int d3 = 3 * d1;
        int c1 = step * L; // and in outputs
        int y0 = r * out + b * L;
        int y1 = y0 + out;
        int y2 = y1 + out;
        int y3 = y2 + out;
        for (int c = 0; c < 4 * c1; c += c1) {
            for (int k = c; k < c + L; k++) {
                y[y0 + k] = 0;
                y[y1 + k] = 0;
                y[y2 + k] = 0;
                y[y3 + k] = 0;
            }
        }
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w0 = s * Q8_0.BLOCK;
            FloatVector p0 = FloatVector.zero(S), q0 = FloatVector.zero(S), t0 = FloatVector.zero(S), u0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S), q1 = FloatVector.zero(S), t1 = FloatVector.zero(S), u1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S), q2 = FloatVector.zero(S), t2 = FloatVector.zero(S), u2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S), q3 = FloatVector.zero(S), t3 = FloatVector.zero(S), u3 = FloatVector.zero(S);
            for (int k = w0, i = x0 + kb * Q8_0.BLOCK; k < w0 + Q8_0.BLOCK * L; k += L, i++) {
                FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, k).convertShape(B2F, S, 0);
                FloatVector g = (FloatVector) ByteVector.fromArray(B, codes, k + d1).convertShape(B2F, S, 0);
                FloatVector h = (FloatVector) ByteVector.fromArray(B, codes, k + d2).convertShape(B2F, S, 0);
                FloatVector e = (FloatVector) ByteVector.fromArray(B, codes, k + d3).convertShape(B2F, S, 0);
                FloatVector xv = FloatVector.broadcast(S, x[i]);
                p0 = v.fma(xv, p0);
                q0 = g.fma(xv, q0);
                t0 = h.fma(xv, t0);
                u0 = e.fma(xv, u0);
                xv = FloatVector.broadcast(S, x[i + width]);
                p1 = v.fma(xv, p1);
                q1 = g.fma(xv, q1);
                t1 = h.fma(xv, t1);
                u1 = e.fma(xv, u1);
                xv = FloatVector.broadcast(S, x[i + 2 * width]);
                p2 = v.fma(xv, p2);
                q2 = g.fma(xv, q2);
                t2 = h.fma(xv, t2);
                u2 = e.fma(xv, u2);
                xv = FloatVector.broadcast(S, x[i + 3 * width]);
                p3 = v.fma(xv, p3);
                q3 = g.fma(xv, q3);
                t3 = h.fma(xv, t3);
                u3 = e.fma(xv, u3);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            p0.fma(d, FloatVector.fromArray(S, y, y0)).intoArray(y, y0);
            p1.fma(d, FloatVector.fromArray(S, y, y1)).intoArray(y, y1);
            p2.fma(d, FloatVector.fromArray(S, y, y2)).intoArray(y, y2);
            p3.fma(d, FloatVector.fromArray(S, y, y3)).intoArray(y, y3);
            d = FloatVector.fromArray(S, scales, s + next);
            q0.fma(d, FloatVector.fromArray(S, y, y0 + c1)).intoArray(y, y0 + c1);
            q1.fma(d, FloatVector.fromArray(S, y, y1 + c1)).intoArray(y, y1 + c1);
            q2.fma(d, FloatVector.fromArray(S, y, y2 + c1)).intoArray(y, y2 + c1);
            q3.fma(d, FloatVector.fromArray(S, y, y3 + c1)).intoArray(y, y3 + c1);
            d = FloatVector.fromArray(S, scales, s + 2 * next);
            t0.fma(d, FloatVector.fromArray(S, y, y0 + 2 * c1)).intoArray(y, y0 + 2 * c1);
            t1.fma(d, FloatVector.fromArray(S, y, y1 + 2 * c1)).intoArray(y, y1 + 2 * c1);
            t2.fma(d, FloatVector.fromArray(S, y, y2 + 2 * c1)).intoArray(y, y2 + 2 * c1);
            t3.fma(d, FloatVector.fromArray(S, y, y3 + 2 * c1)).intoArray(y, y3 + 2 * c1);
            d = FloatVector.fromArray(S, scales, s + 3 * next);
            u0.fma(d, FloatVector.fromArray(S, y, y0 + 3 * c1)).intoArray(y, y0 + 3 * c1);
            u1.fma(d, FloatVector.fromArray(S, y, y1 + 3 * c1)).intoArray(y, y1 + 3 * c1);
            u2.fma(d, FloatVector.fromArray(S, y, y2 + 3 * c1)).intoArray(y, y2 + 3 * c1);
            u3.fma(d, FloatVector.fromArray(S, y, y3 + 3 * c1)).intoArray(y, y3 + 3 * c1);
        }
    }

    @Override
    void rows4(float[] x, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        int x1 = x0 + width;
        int x2 = x1 + width;
        int x3 = x2 + width;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int i0 = kb * Q8_0.BLOCK;
            FloatVector p0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j++) {
                FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2F, S, 0);
                int i = i0 + j;
                p0 = v.fma(FloatVector.broadcast(S, x[x0 + i]), p0);
                p1 = v.fma(FloatVector.broadcast(S, x[x1 + i]), p1);
                p2 = v.fma(FloatVector.broadcast(S, x[x2 + i]), p2);
                p3 = v.fma(FloatVector.broadcast(S, x[x3 + i]), p3);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            c0 = p0.fma(d, c0);
            c1 = p1.fma(d, c1);
            c2 = p2.fma(d, c2);
            c3 = p3.fma(d, c3);
        }
        store(c0, y, r, b);
        store(c1, y, r + 1, b);
        store(c2, y, r + 2, b);
        store(c3, y, r + 3, b);
    }

    @Override
    void rows8(float[] xt, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S);
        FloatVector c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        FloatVector c7 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * Q8_0.BLOCK;
            int i0 = x0 + kb * Q8_0.BLOCK * 8;
            FloatVector p0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            FloatVector p4 = FloatVector.zero(S);
            FloatVector p5 = FloatVector.zero(S);
            FloatVector p6 = FloatVector.zero(S);
            FloatVector p7 = FloatVector.zero(S);
            for (int j = 0; j < Q8_0.BLOCK; j++) {
                FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2F, S, 0);
                int i = i0 + j * 8;
                p0 = v.fma(FloatVector.broadcast(S, xt[i]), p0);
                p1 = v.fma(FloatVector.broadcast(S, xt[i + 1]), p1);
                p2 = v.fma(FloatVector.broadcast(S, xt[i + 2]), p2);
                p3 = v.fma(FloatVector.broadcast(S, xt[i + 3]), p3);
                p4 = v.fma(FloatVector.broadcast(S, xt[i + 4]), p4);
                p5 = v.fma(FloatVector.broadcast(S, xt[i + 5]), p5);
                p6 = v.fma(FloatVector.broadcast(S, xt[i + 6]), p6);
                p7 = v.fma(FloatVector.broadcast(S, xt[i + 7]), p7);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            c0 = p0.fma(d, c0);
            c1 = p1.fma(d, c1);
            c2 = p2.fma(d, c2);
            c3 = p3.fma(d, c3);
            c4 = p4.fma(d, c4);
            c5 = p5.fma(d, c5);
            c6 = p6.fma(d, c6);
            c7 = p7.fma(d, c7);
        }
        store(c0, y, r, b);
        store(c1, y, r + 1, b);
        store(c2, y, r + 2, b);
        store(c3, y, r + 3, b);
        store(c4, y, r + 4, b);
        store(c5, y, r + 5, b);
        store(c6, y, r + 6, b);
        store(c7, y, r + 7, b);
    }

    @Override
    void decode(int b, int kb, float[] w, int dst) {
        int s = (b * inBlocks + kb) * L;
        FloatVector d = FloatVector.fromArray(S, scales, s);
        int src = s * Q8_0.BLOCK;
        for (int j = 0; j < Q8_0.BLOCK; j++) {
            FloatVector v = (FloatVector) ByteVector.fromArray(B, codes, src + j * L).convertShape(B2F, S, 0);
            v.mul(d).intoArray(w, dst + j * L);
        }
    }
}
