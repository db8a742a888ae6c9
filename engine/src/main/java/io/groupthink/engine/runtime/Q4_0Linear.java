package io.groupthink.engine.runtime;

import io.groupthink.engine.quant.Q4_0;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.ASHR;

/**
 * The few-row kernel over Q4_0 weights: weight = (code - 8) * scale, 4-bit codes (0.625 bytes a
 * weight as held). As in ggml, byte j of a block holds input j in its low nibble and input j + 16
 * in its high one (held with its top bit flipped, below), so one load of L bytes decodes two vectors.
 */
final class Q4_0Linear extends BlockLinear {

    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final int HALF = Q4_0.BLOCK / 2;

    /** @param rows Q4_0 blocks of each row of W [out, in] in turn, as ggml (and a GGUF file) lays them out */
    Q4_0Linear(ByteBuffer rows, int out, int in, float[] bias, SpinPool pool, int parts) {
        super(rows, out, in, HALF, bias, pool, parts);
        for (int i = 0; i < codes.length; i++) {
            codes[i] ^= (byte) 0x80; // the high nibble q becomes q ^ 8: as a signed nibble, q - 8
        }
    }

    /** Quantizes a row-major fp32 W [out, in] as llama.cpp does. */
    static Q4_0Linear quantized(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts) {
        return new Q4_0Linear(quantize(weight, out, in, Q4_0.BYTES, Q4_0::quantize), out, in, bias, pool, parts);
    }

    // Each byte holds two codes: input j's in the low nibble, input j + 16's in the high one,
    // stored with its top bit flipped. The high code comes out of the sign-extended byte with one
    // arithmetic shift as q - 8 (a shift and a mask before: a uop more a vector, and the four-row
    // tiles are bound by their uops). The low code is taken as stored (0..15) and its
    // offset out once a block: sum (q - 8) x = sum q x - 8 sum x over the low half, with 8 sum x
    // per row and block from blockSums. Codes are decoded in line, not through a helper, for the
    // reason Q8_0Linear gives.

    @Override
    float[] blockSums(float[] x, int rows) {
        float[] sums = new float[rows * inBlocks];
        for (int r = 0; r < rows; r++) {
            for (int kb = 0; kb < inBlocks; kb++) {
                int i0 = r * width + kb * Q4_0.BLOCK;
                float sum = 0f;
                for (int i = i0; i < i0 + HALF; i++) {
                    sum += x[i];
                }
                sums[r * inBlocks + kb] = 8f * sum;
            }
        }
        return sums;
    }

    @Override
    void rows1(float[] x, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        FloatVector acc = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * HALF;
            int xi = x0 + kb * Q4_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // low and high nibbles apart, in rows1x4's order
            FloatVector a1 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                IntVector q = (IntVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2I, I, 0);
                a0 = ((FloatVector) q.and(0xF).convertShape(I2F, S, 0)).fma(FloatVector.broadcast(S, x[xi + j]), a0);
                a1 = ((FloatVector) q.lanewise(ASHR, 4).convertShape(I2F, S, 0))
                        .fma(FloatVector.broadcast(S, x[xi + j + HALF]), a1);
            }
            acc = a0.add(a1).sub(sums[r * inBlocks + kb]).fma(FloatVector.fromArray(S, scales, s), acc);
        }
        store(acc, y, r, b);
    }

    // As Q8_0Linear's: two column blocks share each broadcast of x. Decoding bounds a cached weight
    // here, so the gain shows only in a session (BENCHMARKS.md, eighth session).
    @Override
    void rows1x2(float[] x, float[] sums, int r, float[] y, int b) {
        int x0 = r * width;
        int next = inBlocks * L; // from column block b to b + 1, in scales
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * HALF;
            int w1 = w + next * HALF;
            int xi = x0 + kb * Q4_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // low and high nibbles apart, in rows1x4's order
            FloatVector a1 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S);
            FloatVector b1 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                FloatVector xlo = FloatVector.broadcast(S, x[xi + j]);
                FloatVector xhi = FloatVector.broadcast(S, x[xi + j + HALF]);
                IntVector q = (IntVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2I, I, 0);
                IntVector u = (IntVector) ByteVector.fromArray(B, codes, w1 + j * L).convertShape(B2I, I, 0);
                a0 = ((FloatVector) q.and(0xF).convertShape(I2F, S, 0)).fma(xlo, a0);
                a1 = ((FloatVector) q.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, a1);
                b0 = ((FloatVector) u.and(0xF).convertShape(I2F, S, 0)).fma(xlo, b0);
                b1 = ((FloatVector) u.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, b1);
            }
            float sum = sums[r * inBlocks + kb];
            acc0 = a0.add(a1).sub(sum).fma(FloatVector.fromArray(S, scales, s), acc0);
            acc1 = b0.add(b1).sub(sum).fma(FloatVector.fromArray(S, scales, s + next), acc1);
        }
        store(acc0, y, r, b);
        store(acc1, y, r, b + 1);
    }

    // Four column blocks a broadcast, as Q8_0Linear's: a one-row Q4_0 step ran 28.7-35.6 ms against
    // 34.4-56.2 with pairs, in four alternated rounds (BENCHMARKS.md, tenth session).
    @Override
    void rows1x4(float[] x, float[] sums, int r, float[] y, int b, int step) {
        int x0 = r * width;
        int next = step * inBlocks * L; // from column block b to b + step, in scales
        int nextCodes = next * HALF;
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        FloatVector acc3 = FloatVector.zero(S);
        for (int kb = 0; kb < inBlocks; kb++) {
            int s = (b * inBlocks + kb) * L;
            int w = s * HALF;
            int xi = x0 + kb * Q4_0.BLOCK;
            FloatVector a0 = FloatVector.zero(S); // low nibbles of each block, then high ones: eight chains
            FloatVector a1 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S);
            FloatVector b1 = FloatVector.zero(S);
            FloatVector c0 = FloatVector.zero(S);
            FloatVector c1 = FloatVector.zero(S);
            FloatVector d0 = FloatVector.zero(S);
            FloatVector d1 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                FloatVector xlo = FloatVector.broadcast(S, x[xi + j]);
                FloatVector xhi = FloatVector.broadcast(S, x[xi + j + HALF]);
                int k = w + j * L;
                IntVector qa = (IntVector) ByteVector.fromArray(B, codes, k).convertShape(B2I, I, 0);
                IntVector qb = (IntVector) ByteVector.fromArray(B, codes, k + nextCodes).convertShape(B2I, I, 0);
                IntVector qc = (IntVector) ByteVector.fromArray(B, codes, k + 2 * nextCodes).convertShape(B2I, I, 0);
                IntVector qd = (IntVector) ByteVector.fromArray(B, codes, k + 3 * nextCodes).convertShape(B2I, I, 0);
                a0 = ((FloatVector) qa.and(0xF).convertShape(I2F, S, 0)).fma(xlo, a0);
                a1 = ((FloatVector) qa.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, a1);
                b0 = ((FloatVector) qb.and(0xF).convertShape(I2F, S, 0)).fma(xlo, b0);
                b1 = ((FloatVector) qb.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, b1);
                c0 = ((FloatVector) qc.and(0xF).convertShape(I2F, S, 0)).fma(xlo, c0);
                c1 = ((FloatVector) qc.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, c1);
                d0 = ((FloatVector) qd.and(0xF).convertShape(I2F, S, 0)).fma(xlo, d0);
                d1 = ((FloatVector) qd.lanewise(ASHR, 4).convertShape(I2F, S, 0)).fma(xhi, d1);
            }
            float sum = sums[r * inBlocks + kb];
            acc0 = a0.add(a1).sub(sum).fma(FloatVector.fromArray(S, scales, s), acc0);
            acc1 = b0.add(b1).sub(sum).fma(FloatVector.fromArray(S, scales, s + next), acc1);
            acc2 = c0.add(c1).sub(sum).fma(FloatVector.fromArray(S, scales, s + 2 * next), acc2);
            acc3 = d0.add(d1).sub(sum).fma(FloatVector.fromArray(S, scales, s + 3 * next), acc3);
        }
        store(acc0, y, r, b);
        store(acc1, y, r, b + step);
        store(acc2, y, r, b + 2 * step);
        store(acc3, y, r, b + 3 * step);
    }

    // As Q8_0Linear's: two weight streams a core. Each row's low and high nibbles share one chain
    // a block here, to leave registers for the second block.
    @Override
    void rows4x2(float[] x, float[] sums, int r, float[] y, int b, int step) {
        int x0 = r * width;
        int x1 = x0 + width;
        int x2 = x1 + width;
        int x3 = x2 + width;
        int next = step * inBlocks * L; // from column block b to b + step, in scales
        int nextCodes = next * HALF;
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
            int w = s * HALF;
            int i0 = kb * Q4_0.BLOCK;
            FloatVector p0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            FloatVector q0 = FloatVector.zero(S);
            FloatVector q1 = FloatVector.zero(S);
            FloatVector q2 = FloatVector.zero(S);
            FloatVector q3 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                IntVector c = (IntVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2I, I, 0);
                IntVector u = (IntVector) ByteVector.fromArray(B, codes, w + nextCodes + j * L).convertShape(B2I, I, 0);
                FloatVector lo = (FloatVector) c.and(0xF).convertShape(I2F, S, 0);
                FloatVector lu = (FloatVector) u.and(0xF).convertShape(I2F, S, 0);
                int i = i0 + j;
                FloatVector xv = FloatVector.broadcast(S, x[x0 + i]);
                p0 = lo.fma(xv, p0);
                q0 = lu.fma(xv, q0);
                xv = FloatVector.broadcast(S, x[x1 + i]);
                p1 = lo.fma(xv, p1);
                q1 = lu.fma(xv, q1);
                xv = FloatVector.broadcast(S, x[x2 + i]);
                p2 = lo.fma(xv, p2);
                q2 = lu.fma(xv, q2);
                xv = FloatVector.broadcast(S, x[x3 + i]);
                p3 = lo.fma(xv, p3);
                q3 = lu.fma(xv, q3);
                FloatVector hi = (FloatVector) c.lanewise(ASHR, 4).convertShape(I2F, S, 0);
                FloatVector hu = (FloatVector) u.lanewise(ASHR, 4).convertShape(I2F, S, 0);
                int k = i + HALF;
                xv = FloatVector.broadcast(S, x[x0 + k]);
                p0 = hi.fma(xv, p0);
                q0 = hu.fma(xv, q0);
                xv = FloatVector.broadcast(S, x[x1 + k]);
                p1 = hi.fma(xv, p1);
                q1 = hu.fma(xv, q1);
                xv = FloatVector.broadcast(S, x[x2 + k]);
                p2 = hi.fma(xv, p2);
                q2 = hu.fma(xv, q2);
                xv = FloatVector.broadcast(S, x[x3 + k]);
                p3 = hi.fma(xv, p3);
                q3 = hu.fma(xv, q3);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            FloatVector d1 = FloatVector.fromArray(S, scales, s + next);
            int t = r * inBlocks + kb;
            c0 = p0.sub(sums[t]).fma(d, c0);
            c1 = p1.sub(sums[t + inBlocks]).fma(d, c1);
            c2 = p2.sub(sums[t + 2 * inBlocks]).fma(d, c2);
            c3 = p3.sub(sums[t + 3 * inBlocks]).fma(d, c3);
            e0 = q0.sub(sums[t]).fma(d1, e0);
            e1 = q1.sub(sums[t + inBlocks]).fma(d1, e1);
            e2 = q2.sub(sums[t + 2 * inBlocks]).fma(d1, e2);
            e3 = q3.sub(sums[t + 3 * inBlocks]).fma(d1, e3);
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
            int w = s * HALF;
            int i0 = kb * Q4_0.BLOCK;
            FloatVector p0 = FloatVector.zero(S); // one chain a row, low nibble then high, in rows4x2's order
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                IntVector q = (IntVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(0xF).convertShape(I2F, S, 0);
                FloatVector hi = (FloatVector) q.lanewise(ASHR, 4).convertShape(I2F, S, 0);
                int i = i0 + j;
                int k = i + HALF;
                p0 = lo.fma(FloatVector.broadcast(S, x[x0 + i]), p0);
                p1 = lo.fma(FloatVector.broadcast(S, x[x1 + i]), p1);
                p2 = lo.fma(FloatVector.broadcast(S, x[x2 + i]), p2);
                p3 = lo.fma(FloatVector.broadcast(S, x[x3 + i]), p3);
                p0 = hi.fma(FloatVector.broadcast(S, x[x0 + k]), p0);
                p1 = hi.fma(FloatVector.broadcast(S, x[x1 + k]), p1);
                p2 = hi.fma(FloatVector.broadcast(S, x[x2 + k]), p2);
                p3 = hi.fma(FloatVector.broadcast(S, x[x3 + k]), p3);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            int t = r * inBlocks + kb;
            c0 = p0.sub(sums[t]).fma(d, c0);
            c1 = p1.sub(sums[t + inBlocks]).fma(d, c1);
            c2 = p2.sub(sums[t + 2 * inBlocks]).fma(d, c2);
            c3 = p3.sub(sums[t + 3 * inBlocks]).fma(d, c3);
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
            int w = s * HALF;
            int i0 = x0 + kb * Q4_0.BLOCK * 8;
            FloatVector p0 = FloatVector.zero(S);
            FloatVector p1 = FloatVector.zero(S);
            FloatVector p2 = FloatVector.zero(S);
            FloatVector p3 = FloatVector.zero(S);
            FloatVector p4 = FloatVector.zero(S);
            FloatVector p5 = FloatVector.zero(S);
            FloatVector p6 = FloatVector.zero(S);
            FloatVector p7 = FloatVector.zero(S);
            for (int j = 0; j < HALF; j++) {
                IntVector q = (IntVector) ByteVector.fromArray(B, codes, w + j * L).convertShape(B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(0xF).convertShape(I2F, S, 0);
                int i = i0 + j * 8;
                p0 = lo.fma(FloatVector.broadcast(S, xt[i]), p0);
                p1 = lo.fma(FloatVector.broadcast(S, xt[i + 1]), p1);
                p2 = lo.fma(FloatVector.broadcast(S, xt[i + 2]), p2);
                p3 = lo.fma(FloatVector.broadcast(S, xt[i + 3]), p3);
                p4 = lo.fma(FloatVector.broadcast(S, xt[i + 4]), p4);
                p5 = lo.fma(FloatVector.broadcast(S, xt[i + 5]), p5);
                p6 = lo.fma(FloatVector.broadcast(S, xt[i + 6]), p6);
                p7 = lo.fma(FloatVector.broadcast(S, xt[i + 7]), p7);
                FloatVector hi = (FloatVector) q.lanewise(ASHR, 4).convertShape(I2F, S, 0);
                int k = i + HALF * 8;
                p0 = hi.fma(FloatVector.broadcast(S, xt[k]), p0);
                p1 = hi.fma(FloatVector.broadcast(S, xt[k + 1]), p1);
                p2 = hi.fma(FloatVector.broadcast(S, xt[k + 2]), p2);
                p3 = hi.fma(FloatVector.broadcast(S, xt[k + 3]), p3);
                p4 = hi.fma(FloatVector.broadcast(S, xt[k + 4]), p4);
                p5 = hi.fma(FloatVector.broadcast(S, xt[k + 5]), p5);
                p6 = hi.fma(FloatVector.broadcast(S, xt[k + 6]), p6);
                p7 = hi.fma(FloatVector.broadcast(S, xt[k + 7]), p7);
            }
            FloatVector d = FloatVector.fromArray(S, scales, s);
            int t = r * inBlocks + kb;
            c0 = p0.sub(sums[t]).fma(d, c0);
            c1 = p1.sub(sums[t + inBlocks]).fma(d, c1);
            c2 = p2.sub(sums[t + 2 * inBlocks]).fma(d, c2);
            c3 = p3.sub(sums[t + 3 * inBlocks]).fma(d, c3);
            c4 = p4.sub(sums[t + 4 * inBlocks]).fma(d, c4);
            c5 = p5.sub(sums[t + 5 * inBlocks]).fma(d, c5);
            c6 = p6.sub(sums[t + 6 * inBlocks]).fma(d, c6);
            c7 = p7.sub(sums[t + 7 * inBlocks]).fma(d, c7);
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
        int src = s * HALF;
        for (int j = 0; j < HALF; j++) {
            IntVector q = (IntVector) ByteVector.fromArray(B, codes, src + j * L).convertShape(B2I, I, 0);
            FloatVector lo = (FloatVector) q.and(0xF).sub(8).convertShape(I2F, S, 0);
            FloatVector hi = (FloatVector) q.lanewise(ASHR, 4).convertShape(I2F, S, 0);
            lo.mul(d).intoArray(w, dst + j * L);
            hi.mul(d).intoArray(w, dst + (j + HALF) * L);
        }
    }
}
