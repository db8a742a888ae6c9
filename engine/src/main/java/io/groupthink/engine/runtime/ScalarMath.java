package io.groupthink.engine.runtime;

/**
 * {@link VectorMath}'s arithmetic a value at a time, with no Vector API class in sight: the one
 * place its constants are kept, and what the sampler runs when the JVM was started without
 * {@code --add-modules jdk.incubator.vector} (VectorMath cannot even be initialised then).
 */
public final class ScalarMath {

    private ScalarMath() {}

    // e^x = 2^n e^r with x = n ln2 + r (Cephes' expf)
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693359375f; // ln 2 = LN2_HI + LN2_LO, LN2_HI exact in few bits
    static final float LN2_LO = -2.12194440e-4f;
    static final float ROUND = 12582912f; // 1.5 * 2^23: t + ROUND leaves no fraction bits
    static final float P0 = 1.9875691500e-4f; // e^r = 1 + r + r^2 (P5 + r (P4 + ... r P0))
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;
    static final float MIN_X = -87.3f; // n at least -126 and at most 127: 2^n stays a normal float
    static final float MAX_X = 88.3f;

    /**
     * e^x as {@link VectorMath#exp(jdk.incubator.vector.FloatVector)} computes a lane: the same float
     * operations in the same order (Java rounds each one, as the lanes do), so the same value.
     */
    public static float exp(float x) {
        x = x < MIN_X ? MIN_X : x > MAX_X ? MAX_X : x;
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x) + n * -LN2_LO;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        p = Math.fma(p, r * r, r) + 1f;
        int twoN = (Float.floatToRawIntBits(t) - (Float.floatToRawIntBits(ROUND) - 127)) << 23;
        return p * Float.intBitsToFloat(twoN);
    }

    /** The index of the first largest value (a NaN is never larger; 0 for an empty array), as a scalar loop keeps it. */
    public static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
