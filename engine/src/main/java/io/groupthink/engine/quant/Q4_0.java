package io.groupthink.engine.quant;

import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q4_0 block: 32 weights as one fp16 scale d and 16 bytes of 4-bit codes (18 bytes).
 * Byte j holds weight j in its low nibble and weight j + 16 in its high nibble; weight =
 * (code - 8) * d. Quantization follows ggml: d = m / -8 where m is the value of largest magnitude,
 * so that value maps to code 0 exactly.
 */
public final class Q4_0 {

    public static final int BLOCK = 32;
    public static final int BYTES = 18;

    private Q4_0() {}

    /** Quantizes n = k * 32 floats from {@code x[off..]} into {@code out} at its position. */
    public static void quantize(float[] x, int off, int n, ByteBuffer out) {
        Q8_0.checkWhole(n);
        ByteBuffer o = out.order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < n; b += BLOCK) {
            float amax = 0;
            float max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = x[off + b + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            o.putShort(Floats.toF16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = Math.min(15, (int) (x[off + b + j] * id + 8.5f));
                int hi = Math.min(15, (int) (x[off + b + j + 16] * id + 8.5f));
                o.put((byte) (lo | (hi << 4)));
            }
        }
    }

    /** Dequantizes n = k * 32 weights starting at byte {@code pos} of {@code src} into {@code y[off..]}. */
    public static void dequantize(ByteBuffer src, long pos, int n, float[] y, int off) {
        Q8_0.checkWhole(n);
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = Math.toIntExact(pos);
        for (int b = 0; b < n; b += BLOCK, p += BYTES) {
            float d = Floats.f16ToFloat(s.getShort(p));
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = s.get(p + 2 + j) & 0xFF;
                y[off + b + j] = ((q & 0x0F) - 8) * d;
                y[off + b + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
