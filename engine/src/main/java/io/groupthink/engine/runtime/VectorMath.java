package io.groupthink.engine.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.GT;

/** Elementwise math the heap paths share: rms_norm's sum of squares, SwiGLU's sigmoid, the sampler's softmax weights and argmax. */
public final class VectorMath {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);

    private VectorMath() {}

    /**
     * e^x from FMAs (Cephes' expf: x = n ln2 + r, a degree-6 polynomial for e^r, 2^n from the
     * exponent bits), to about 2 ulp. Not VectorOperators.EXP: its intrinsic and its interpreted
     * fallback differ in the last bits, so a product computed before the JIT had compiled it gave
     * other logits than the same product after. FMAs round once where a multiply and an add round
     * twice, in the interpreter (Math.fma) as in compiled code, and take fewer operations.
     */
    public static FloatVector exp(FloatVector x) {
        // n at most 127 (2^128 is not a float); compares and blends, as Math.min and max would keep
        // NaN and -0 apart with several operations each
        x = x.blend(ScalarMath.MIN_X, x.lt(ScalarMath.MIN_X)).blend(ScalarMath.MAX_X, x.compare(GT, ScalarMath.MAX_X));
        // round to nearest: 1.5 * 2^23 leaves no fraction bits, and t's low bits are then n itself
        FloatVector t = x.fma(FloatVector.broadcast(S, ScalarMath.LOG2E), FloatVector.broadcast(S, ScalarMath.ROUND));
        FloatVector n = t.sub(ScalarMath.ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -ScalarMath.LN2_HI), x).add(n.mul(-ScalarMath.LN2_LO));
        FloatVector p = FloatVector.broadcast(S, ScalarMath.P0);
        p = p.fma(r, FloatVector.broadcast(S, ScalarMath.P1));
        p = p.fma(r, FloatVector.broadcast(S, ScalarMath.P2));
        p = p.fma(r, FloatVector.broadcast(S, ScalarMath.P3));
        p = p.fma(r, FloatVector.broadcast(S, ScalarMath.P4));
        p = p.fma(r, FloatVector.broadcast(S, ScalarMath.P5));
        p = p.fma(r.mul(r), r).add(1f);
        // 2^n from t's bits, not from a float-to-int conversion: JDK 17's C2 leaves F2I on vectors to
        // the library's scalar fallback (SwiGLU's exponentials took 45 ns a vector)
        IntVector bits = (IntVector) t.reinterpretShape(I, 0);
        IntVector twoN = bits.sub(Float.floatToRawIntBits(ScalarMath.ROUND) - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul((FloatVector) twoN.reinterpretShape(S, 0));
    }

    /**
     * The index of the first largest value, as a scalar loop keeping the first strict maximum finds
     * it: one vector pass for the maximum, one to its first occurrence. A greedy step reads a
     * 152K-entry vocabulary per lane, which the scalar loop took about 60 µs for. With a NaN present
     * the scalar loop's answer depends on where it sits, so that case takes the scalar loop.
     */
    public static int argmax(float[] x) {
        int best = x.length == 0 ? -1 : argmax(x, 0, x.length);
        return best >= 0 ? best : ScalarMath.argmax(x); // a NaN: the scalar loop's answer
    }

    /** The index of the first largest value of x[from, to) (from < to), or -1 if one of them is NaN. */
    static int argmax(float[] x, int from, int to) {
        int i = from;
        float max = Float.NEGATIVE_INFINITY;
        int w = S.length();
        if (to - from >= 4 * w) {
            // four chains, so the maxima do not wait on each other; NaN-propagating, as Math.max
            FloatVector m0 = FloatVector.fromArray(S, x, from);
            FloatVector m1 = FloatVector.fromArray(S, x, from + w);
            FloatVector m2 = FloatVector.fromArray(S, x, from + 2 * w);
            FloatVector m3 = FloatVector.fromArray(S, x, from + 3 * w);
            for (i = from + 4 * w; i + 4 * w <= to; i += 4 * w) {
                m0 = m0.max(FloatVector.fromArray(S, x, i));
                m1 = m1.max(FloatVector.fromArray(S, x, i + w));
                m2 = m2.max(FloatVector.fromArray(S, x, i + 2 * w));
                m3 = m3.max(FloatVector.fromArray(S, x, i + 3 * w));
            }
            max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        }
        for (; i < to; i++) {
            max = Math.max(max, x[i]);
        }
        if (Float.isNaN(max)) {
            return -1;
        }
        int j = from;
        for (; j + w <= to; j += w) {
            var hit = FloatVector.fromArray(S, x, j).eq(max);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        for (; j < to; j++) {
            if (x[j] == max) {
                return j;
            }
        }
        throw new AssertionError("the maximum " + max + " is in the array");
    }

    /**
     * The sum of x[from, from + n) squared: four chains of vector FMAs, their lanes then added in
     * lane order in double (an order fixed in the code, not left to a reduction's).
     */
    static double sumOfSquares(float[] x, int from, int n) {
        int l = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i + 4 * l <= n; i += 4 * l) {
            FloatVector v0 = FloatVector.fromArray(S, x, from + i);
            FloatVector v1 = FloatVector.fromArray(S, x, from + i + l);
            FloatVector v2 = FloatVector.fromArray(S, x, from + i + 2 * l);
            FloatVector v3 = FloatVector.fromArray(S, x, from + i + 3 * l);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
            a2 = v2.fma(v2, a2);
            a3 = v3.fma(v3, a3);
        }
        for (; i + l <= n; i += l) {
            FloatVector v = FloatVector.fromArray(S, x, from + i);
            a0 = v.fma(v, a0);
        }
        float[] lanes = a0.add(a1).add(a2.add(a3)).toArray();
        double sum = 0;
        for (float lane : lanes) {
            sum += lane;
        }
        for (; i < n; i++) {
            sum += (double) x[from + i] * x[from + i];
        }
        return sum;
    }

    /** x[from + i] = x[from + i] * s * w[i] for i in [0, w.length), in the scalar loop's order of rounding. */
    static void scale(float[] x, int from, float s, float[] w) {
        int i = 0;
        for (; i + S.length() <= w.length; i += S.length()) {
            FloatVector.fromArray(S, x, from + i).mul(s).mul(FloatVector.fromArray(S, w, i)).intoArray(x, from + i);
        }
        for (; i < w.length; i++) {
            x[from + i] = x[from + i] * s * w[i];
        }
    }

    /** dst[i] = e^((src[i] - shift) * scale); returns their sum. */
    public static double exp(float[] src, float shift, float scale, float[] dst) {
        int n = src.length;
        int i = 0;
        double sum = 0;
        for (; i + S.length() <= n; i += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, src, i).sub(shift).mul(scale));
            e.intoArray(dst, i);
            sum += e.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            dst[i] = exp(FloatVector.broadcast(S, (src[i] - shift) * scale)).lane(0);
            sum += dst[i];
        }
        return sum;
    }
}
