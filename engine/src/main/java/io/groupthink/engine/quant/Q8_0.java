package io.groupthink.engine.quant;

import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q8_0 block: 32 weights as one fp16 scale d and 32 signed bytes q, weight = q * d
 * (34 bytes). Quantization picks d = max|x| / 127 and rounds x / d to nearest, as ggml does, so a
 * file written here reads the same in llama.cpp and back.
 */
public final class Q8_0 {

    public static final int BLOCK = 32;
    public static final int BYTES = 34;

    private Q8_0() {}

    /** Quantizes n = k * 32 floats from {@code x[off..]} into {@code out} at its position. */
    public static void quantize(float[] x, int off, int n, ByteBuffer out) {
        checkWhole(n);
        ByteBuffer o = out.order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < n; b += BLOCK) {
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[off + b + j]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            o.putShort(Floats.toF16(d));
            for (int j = 0; j < BLOCK; j++) {
                o.put((byte) roundHalfAway(x[off + b + j] * id));
            }
        }
    }

    /** Dequantizes n = k * 32 weights starting at byte {@code pos} of {@code src} into {@code y[off..]}. */
    public static void dequantize(ByteBuffer src, long pos, int n, float[] y, int off) {
        checkWhole(n);
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = Math.toIntExact(pos);
        for (int b = 0; b < n; b += BLOCK, p += BYTES) {
            float d = Floats.f16ToFloat(s.getShort(p));
            for (int j = 0; j < BLOCK; j++) {
                y[off + b + j] = s.get(p + 2 + j) * d;
            }
        }
    }

    /** C's roundf: ties away from zero (Math.round rounds ties up, which differs for negative ties). */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    static void checkWhole(int n) {
        if (n % BLOCK != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of 32-value blocks");
        }
    }
}
