package io.groupthink.engine.quant;

import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q6_K block: 256 weights in 16 sub-blocks of 16 (210 bytes): 128 bytes of low nibbles,
 * 64 bytes of high 2-bit pairs, 16 signed 8-bit scales, then fp16 d. Weight = d * scale[s] * (q - 32).
 * Each 128-weight half interleaves four 32-weight runs over 64 low bytes and 32 high bytes.
 *
 * <p>The quantizer is a plain max-magnitude reference, in ggml's layout.
 */
public final class Q6_K {

    public static final int BLOCK = 256;
    public static final int BYTES = 210;

    private Q6_K() {}

    /** Dequantizes n = k * 256 weights starting at byte {@code pos} of {@code src} into {@code y[off..]}. */
    public static void dequantize(ByteBuffer src, long pos, int n, float[] y, int off) {
        Q4_K.checkWhole(n);
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = Math.toIntExact(pos);
        for (int b = 0; b < n; b += BLOCK, p += BYTES) {
            float d = Floats.f16ToFloat(s.getShort(p + 208));
            for (int half = 0; half < 2; half++) {
                int ql = p + half * 64;
                int qh = p + 128 + half * 32;
                int sc = p + 192 + half * 8;
                int o = off + b + half * 128;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = s.get(ql + l) & 0xFF;
                    int lo1 = s.get(ql + l + 32) & 0xFF;
                    int hi = s.get(qh + l) & 0xFF;
                    y[o + l] = d * s.get(sc + is) * (((lo0 & 0x0F) | ((hi & 3) << 4)) - 32);
                    y[o + l + 32] = d * s.get(sc + is + 2) * (((lo1 & 0x0F) | (((hi >>> 2) & 3) << 4)) - 32);
                    y[o + l + 64] = d * s.get(sc + is + 4) * (((lo0 >>> 4) | (((hi >>> 4) & 3) << 4)) - 32);
                    y[o + l + 96] = d * s.get(sc + is + 6) * (((lo1 >>> 4) | (((hi >>> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    /** Quantizes n = k * 256 floats from {@code x[off..]} into {@code out} at its position. */
    public static void quantize(float[] x, int off, int n, ByteBuffer out) {
        Q4_K.checkWhole(n);
        ByteBuffer o = out.order(ByteOrder.LITTLE_ENDIAN);
        float[] scale = new float[16];
        int[] codes = new int[BLOCK];
        for (int b = 0; b < n; b += BLOCK) {
            int p = o.position();
            float maxScale = 0;
            for (int s = 0; s < 16; s++) {
                float amax = 0;
                for (int j = 0; j < 16; j++) {
                    amax = Math.max(amax, Math.abs(x[off + b + s * 16 + j]));
                }
                scale[s] = amax / 31;
                maxScale = Math.max(maxScale, scale[s]);
            }
            float d = Floats.f16ToFloat(Floats.toF16(maxScale / 127));
            for (int s = 0; s < 16; s++) {
                int sc = d > 0 ? Math.min(127, Math.round(scale[s] / d)) : 0;
                o.put(p + 192 + s, (byte) sc);
                float step = d * sc;
                for (int j = 0; j < 16; j++) {
                    int q = step > 0 ? Math.round(x[off + b + s * 16 + j] / step) : 0;
                    codes[s * 16 + j] = Math.max(-32, Math.min(31, q)) + 32;
                }
            }
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int c = half * 128 + l;
                    int q1 = codes[c];
                    int q2 = codes[c + 32];
                    int q3 = codes[c + 64];
                    int q4 = codes[c + 96];
                    o.put(p + half * 64 + l, (byte) ((q1 & 0x0F) | ((q3 & 0x0F) << 4)));
                    o.put(p + half * 64 + l + 32, (byte) ((q2 & 0x0F) | ((q4 & 0x0F) << 4)));
                    o.put(p + 128 + half * 32 + l, (byte) ((q1 >>> 4) | ((q2 >>> 4) << 2) | ((q3 >>> 4) << 4) | ((q4 >>> 4) << 6)));
                }
            }
            o.putShort(p + 208, Floats.toF16(d));
            o.position(p + BYTES);
        }
    }
}
