package io.groupthink.engine.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q5_K block: Q4_K with a fifth bit per weight (176 bytes): fp16 d and dmin, the same 12
 * scale/min bytes, 32 bytes of high bits, then 128 bytes of low nibbles. In 64-weight chunk c,
 * weight l takes bit 2c of qh[l] and weight l + 32 takes bit 2c + 1.
 */
public final class Q5_K {

    public static final int BLOCK = 256;
    public static final int BYTES = 176;

    private Q5_K() {}

    /** Dequantizes n = k * 256 weights starting at byte {@code pos} of {@code src} into {@code y[off..]}. */
    public static void dequantize(ByteBuffer src, long pos, int n, float[] y, int off) {
        Q4_K.checkWhole(n);
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = Math.toIntExact(pos);
        float[] scale = new float[8];
        float[] min = new float[8];
        for (int b = 0; b < n; b += BLOCK, p += BYTES) {
            Q4_K.subBlockScales(s, p, scale, min);
            int qh = p + 16;
            int ql = p + 48;
            for (int chunk = 0; chunk < 4; chunk++, ql += 32) {
                int o = off + b + chunk * 64;
                for (int l = 0; l < 32; l++) {
                    int low = s.get(ql + l) & 0xFF;
                    int high = s.get(qh + l) & 0xFF;
                    y[o + l] = scale[2 * chunk] * ((low & 0x0F) | (((high >>> (2 * chunk)) & 1) << 4)) - min[2 * chunk];
                    y[o + 32 + l] = scale[2 * chunk + 1] * ((low >>> 4) | (((high >>> (2 * chunk + 1)) & 1) << 4))
                            - min[2 * chunk + 1];
                }
            }
        }
    }

    /** Quantizes n = k * 256 floats from {@code x[off..]} into {@code out} at its position. */
    public static void quantize(float[] x, int off, int n, ByteBuffer out) {
        Q4_K.checkWhole(n);
        ByteBuffer o = out.order(ByteOrder.LITTLE_ENDIAN);
        int[] codes = new int[BLOCK];
        for (int b = 0; b < n; b += BLOCK) {
            int p = o.position();
            Q4_K.quantizeWithMins(x, off + b, 31, codes, o);
            for (int l = 0; l < 32; l++) {
                int high = 0;
                for (int chunk = 0; chunk < 4; chunk++) {
                    int a = codes[chunk * 64 + l];
                    int c = codes[chunk * 64 + 32 + l];
                    high |= ((a >>> 4) << (2 * chunk)) | ((c >>> 4) << (2 * chunk + 1));
                    o.put(p + 48 + chunk * 32 + l, (byte) ((a & 0x0F) | ((c & 0x0F) << 4)));
                }
                o.put(p + 16 + l, (byte) high);
            }
            o.position(p + BYTES);
        }
    }
}
