package io.groupthink.engine.runtime;

import io.groupthink.engine.model.ModelConfig;

/** Rotary embedding tables in the Hugging Face rotate-half convention, with Llama 3 scaling. */
public final class Rope {

    private Rope() {}

    /** Inverse frequencies theta^(-2i/hd), i = 0..hd/2-1, rescaled when the config says so. */
    static double[] inverseFrequencies(ModelConfig c) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
        }
        if (c.ropeScaling() != null) {
            c.ropeScaling().apply(inv);
        }
        return inv;
    }

    /** {cos, sin}, each [maxPositions, hd] row-major, the two halves of a row equal. */
    public static float[][] tables(ModelConfig c) {
        int hd = c.headDim();
        int half = hd / 2;
        double[] inv = inverseFrequencies(c);
        float[] cos = new float[c.maxPositions() * hd];
        float[] sin = new float[c.maxPositions() * hd];
        for (int p = 0; p < c.maxPositions(); p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inv[i];
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                cos[p * hd + i] = cv;
                cos[p * hd + i + half] = cv;
                sin[p * hd + i] = sv;
                sin[p * hd + i + half] = sv;
            }
        }
        return new float[][] {cos, sin};
    }

    /** R with x @ R = cat(-x[half:], x[:half]). */
    public static float[] rotateHalfMatrix(int hd) {
        int half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f; // output j takes -x[j + half]
            r[j * hd + (j + half)] = 1f; // output j + half takes x[j]
        }
        return r;
    }
}
