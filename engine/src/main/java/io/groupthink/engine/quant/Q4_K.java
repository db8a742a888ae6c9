package io.groupthink.engine.quant;

import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q4_K block: 256 weights in 8 sub-blocks of 32 (144 bytes): fp16 d and dmin, 12 bytes
 * holding eight 6-bit scales and eight 6-bit mins, then 128 bytes of 4-bit codes. Weight =
 * d * scale[s] * q - dmin * min[s]. Within each 64-weight chunk, byte l holds weight l in its low
 * nibble and weight l + 32 in its high nibble.
 *
 * <p>The quantizer is a plain min/max reference (no search for the best scales like llama.cpp's);
 * it writes the same format, which is all the tests need.
 */
public final class Q4_K {

    public static final int BLOCK = 256;
    public static final int BYTES = 144;

    private Q4_K() {}

    /** Dequantizes n = k * 256 weights starting at byte {@code pos} of {@code src} into {@code y[off..]}. */
    public static void dequantize(ByteBuffer src, long pos, int n, float[] y, int off) {
        checkWhole(n);
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = Math.toIntExact(pos);
        float[] scale = new float[8];
        float[] min = new float[8];
        for (int b = 0; b < n; b += BLOCK, p += BYTES) {
            subBlockScales(s, p, scale, min);
            int q = p + 16;
            for (int chunk = 0; chunk < 4; chunk++, q += 32) {
                int o = off + b + chunk * 64;
                for (int l = 0; l < 32; l++) {
                    int code = s.get(q + l) & 0xFF;
                    y[o + l] = scale[2 * chunk] * (code & 0x0F) - min[2 * chunk];
                    y[o + 32 + l] = scale[2 * chunk + 1] * (code >>> 4) - min[2 * chunk + 1];
                }
            }
        }
    }

    /** Quantizes n = k * 256 floats from {@code x[off..]} into {@code out} at its position. */
    public static void quantize(float[] x, int off, int n, ByteBuffer out) {
        checkWhole(n);
        ByteBuffer o = out.order(ByteOrder.LITTLE_ENDIAN);
        int[] codes = new int[BLOCK];
        for (int b = 0; b < n; b += BLOCK) {
            int p = o.position();
            quantizeWithMins(x, off + b, 15, codes, o);
            for (int chunk = 0; chunk < 4; chunk++) {
                for (int l = 0; l < 32; l++) {
                    o.put(p + 16 + chunk * 32 + l, (byte) (codes[chunk * 64 + l] | (codes[chunk * 64 + 32 + l] << 4)));
                }
            }
            o.position(p + BYTES);
        }
    }

    /**
     * The part Q4_K and Q5_K share: per 32-weight sub-block a scale and a min (the sub-block's range
     * mapped onto 0..maxCode), both quantized to 6 bits against the block's d and dmin. Writes d, dmin
     * and the 12 scale bytes at the buffer's position (leaving it there) and the codes into {@code codes}.
     */
    static void quantizeWithMins(float[] x, int off, int maxCode, int[] codes, ByteBuffer o) {
        float[] scale = new float[8];
        float[] min = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0;
            float hi = 0;
            for (int j = 0; j < 32; j++) {
                lo = Math.min(lo, x[off + s * 32 + j]);
                hi = Math.max(hi, x[off + s * 32 + j]);
            }
            scale[s] = (hi - lo) / maxCode;
            min[s] = -lo; // stored as a positive amount subtracted
            maxScale = Math.max(maxScale, scale[s]);
            maxMin = Math.max(maxMin, min[s]);
        }
        float d = Floats.f16ToFloat(Floats.toF16(maxScale / 63));
        float dmin = Floats.f16ToFloat(Floats.toF16(maxMin / 63));
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int s = 0; s < 8; s++) {
            sc[s] = d > 0 ? Math.min(63, Math.round(scale[s] / d)) : 0;
            m[s] = dmin > 0 ? Math.min(63, Math.round(min[s] / dmin)) : 0;
            float step = d * sc[s];
            float sub = dmin * m[s];
            for (int j = 0; j < 32; j++) {
                int q = step > 0 ? Math.round((x[off + s * 32 + j] + sub) / step) : 0;
                codes[s * 32 + j] = Math.max(0, Math.min(maxCode, q));
            }
        }
        int p = o.position();
        o.putShort(p, Floats.toF16(d));
        o.putShort(p + 2, Floats.toF16(dmin));
        for (int j = 0; j < 4; j++) {
            o.put(p + 4 + j, (byte) (sc[j] | ((sc[j + 4] >>> 4) << 6)));
            o.put(p + 8 + j, (byte) (m[j] | ((m[j + 4] >>> 4) << 6)));
            o.put(p + 12 + j, (byte) ((sc[j + 4] & 0x0F) | ((m[j + 4] & 0x0F) << 4)));
        }
    }

    /**
     * The eight sub-blocks' effective scale (d * sc) and min (dmin * m) of the Q4_K/Q5_K block at
     * {@code p}: fp16 d and dmin, then the 12 packed scale bytes.
     */
    static void subBlockScales(ByteBuffer s, int p, float[] scale, float[] min) {
        float d = Floats.f16ToFloat(s.getShort(p));
        float dmin = Floats.f16ToFloat(s.getShort(p + 2));
        int[] sc = new int[8];
        int[] m = new int[8];
        unpackScales(s, p + 4, sc, m);
        for (int j = 0; j < 8; j++) {
            scale[j] = d * sc[j];
            min[j] = dmin * m[j];
        }
    }

    /** ggml's get_scale_min_k4 for all eight sub-blocks: 6-bit scales and mins from 12 bytes at {@code p}. */
    private static void unpackScales(ByteBuffer s, int p, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            sc[j] = s.get(p + j) & 63;
            m[j] = s.get(p + j + 4) & 63;
        }
        for (int j = 4; j < 8; j++) {
            int low = s.get(p + j + 4) & 0xFF;
            sc[j] = (low & 0x0F) | (((s.get(p + j - 4) & 0xFF) >>> 6) << 4);
            m[j] = (low >>> 4) | (((s.get(p + j) & 0xFF) >>> 6) << 4);
        }
    }

    static void checkWhole(int n) {
        if (n % BLOCK != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of 256-value blocks");
        }
    }
}
