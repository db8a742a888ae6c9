package io.groupthink.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * K-quant blocks: hand-built blocks decode to the values ggml's dequantize_row_q{4,5,6}_K gives
 * (worked out by hand from its code, including the packed high bits of the 6-bit scales), and the
 * reference quantizers round-trip within a bound that shrinks with the bits per weight.
 */
class KQuantTest {

    private static final short ONE = 0x3C00; // fp16 1.0
    private static final short HALF = 0x3800; // fp16 0.5

    /** d = 1, dmin = 0.5; scale bytes give sc = {1,2,3,4,17,0,0,0}, m = {5,6,7,8,2,0,0,32}. */
    private static ByteBuffer kHeader(int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(ONE).putShort(HALF);
        b.put(new byte[] {0x41, 2, 3, 4, 5, 6, 7, (byte) 0x88, 0x21, 0, 0, 0});
        return b;
    }

    @Test
    void q4_kDecodesAsGgml() {
        ByteBuffer b = kHeader(Q4_K.BYTES);
        while (b.hasRemaining()) {
            b.put((byte) 0x3A); // low nibble 10, high nibble 3
        }
        float[] y = new float[256];
        Q4_K.dequantize(b, 0, 256, y, 0);
        assertThat(y[5]).isEqualTo(1 * 10 - 0.5f * 5); // sub-block 0
        assertThat(y[32 + 5]).isEqualTo(2 * 3 - 0.5f * 6); // sub-block 1: high nibbles
        assertThat(y[128 + 5]).isEqualTo(17 * 10 - 0.5f * 2); // sub-block 4: scale's top bits from byte 0
        assertThat(y[160 + 5]).isEqualTo(0f); // sub-block 5: scale 0, min 0
        assertThat(y[224 + 5]).isEqualTo(0 * 3 - 0.5f * 32); // sub-block 7: min's top bits from byte 7
    }

    @Test
    void q5_kDecodesAsGgml() {
        ByteBuffer b = kHeader(Q5_K.BYTES);
        for (int i = 0; i < 32; i++) {
            b.put((byte) 0b101); // high bit for chunk 0's low half and chunk 1's low half
        }
        while (b.hasRemaining()) {
            b.put((byte) 0x3A);
        }
        float[] y = new float[256];
        Q5_K.dequantize(b, 0, 256, y, 0);
        assertThat(y[7]).isEqualTo(1 * (10 + 16) - 0.5f * 5);
        assertThat(y[32 + 7]).isEqualTo(2 * 3 - 0.5f * 6);
        assertThat(y[64 + 7]).isEqualTo(3 * (10 + 16) - 0.5f * 7);
        assertThat(y[96 + 7]).isEqualTo(4 * 3 - 0.5f * 8);
    }

    @Test
    void q6_kDecodesAsGgml() {
        ByteBuffer b = ByteBuffer.allocate(Q6_K.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 128; i++) {
            b.put((byte) 0x21); // low nibble 1, high nibble 2
        }
        for (int i = 0; i < 64; i++) {
            b.put((byte) 0b11100100); // 2-bit pairs 0, 1, 2, 3
        }
        for (int s = 0; s < 16; s++) {
            b.put((byte) (s - 8));
        }
        b.putShort(HALF);
        float[] y = new float[256];
        Q6_K.dequantize(b, 0, 256, y, 0);
        assertThat(y[3]).isEqualTo(0.5f * -8 * ((1 | 0 << 4) - 32));
        assertThat(y[32 + 3]).isEqualTo(0.5f * -6 * ((1 | 1 << 4) - 32));
        assertThat(y[64 + 3]).isEqualTo(0.5f * -4 * ((2 | 2 << 4) - 32));
        assertThat(y[96 + 3]).isEqualTo(0.5f * -2 * ((2 | 3 << 4) - 32));
        assertThat(y[128 + 16]).isEqualTo(0.5f * 1 * ((1 | 0 << 4) - 32)); // second half, second sub-block
    }

    interface Quantizer {
        void quantize(float[] x, int off, int n, ByteBuffer out);
    }

    interface Dequantizer {
        void dequantize(ByteBuffer src, long pos, int n, float[] y, int off);
    }

    /** Relative RMS error of a round trip over 8 blocks of Gaussian values with varying scale. */
    private static double roundTripError(Quantizer c, Dequantizer dq, int bytes) {
        Random r = new Random(11);
        float[] x = new float[256 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (0.02 + (i / 256) * 0.1) + (i % 97 == 0 ? 0.5 : 0));
        }
        ByteBuffer buf = ByteBuffer.allocate(8 * bytes).order(ByteOrder.LITTLE_ENDIAN);
        c.quantize(x, 0, x.length, buf);
        assertThat(buf.position()).isEqualTo(8 * bytes);
        float[] y = new float[x.length];
        dq.dequantize(buf, 0, x.length, y, 0);
        double err = 0;
        double ref = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (x[i] - y[i]);
            ref += x[i] * x[i];
        }
        return Math.sqrt(err / ref);
    }

    @Test
    void referenceQuantizersRoundTripWithErrorFallingWithBits() {
        double q4 = roundTripError(Q4_K::quantize, Q4_K::dequantize, Q4_K.BYTES);
        double q5 = roundTripError(Q5_K::quantize, Q5_K::dequantize, Q5_K.BYTES);
        double q6 = roundTripError(Q6_K::quantize, Q6_K::dequantize, Q6_K.BYTES);
        System.out.printf("K-quant round trip, relative RMS error: Q4_K %.4f, Q5_K %.4f, Q6_K %.4f%n", q4, q5, q6);
        assertThat(q4).isLessThan(0.12);
        assertThat(q5).isLessThan(q4 * 0.6);
        assertThat(q6).isLessThan(q5 * 0.8);
    }

    private static ByteBuffer roundTrip(Quantizer c, float[] x, int bytes) {
        ByteBuffer buf = ByteBuffer.allocate(bytes * (x.length / 256)).order(ByteOrder.LITTLE_ENDIAN);
        c.quantize(x, 0, x.length, buf);
        return buf;
    }

    @Test
    void zerosStayZeroAndPartialBlocksAreRefused() {
        float[] zeros = new float[256];
        for (Quantizer c : new Quantizer[] {Q4_K::quantize, Q5_K::quantize, Q6_K::quantize}) {
            assertThatThrownBy(() -> c.quantize(new float[100], 0, 100, ByteBuffer.allocate(1000)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256");
        }
        float[] y = new float[256];
        Arrays.fill(y, 1);
        Q4_K.dequantize(roundTrip(Q4_K::quantize, zeros, Q4_K.BYTES), 0, 256, y, 0);
        assertThat(y).containsOnly(0f);
        Arrays.fill(y, 1);
        Q6_K.dequantize(roundTrip(Q6_K::quantize, zeros, Q6_K.BYTES), 0, 256, y, 0);
        assertThat(y).containsOnly(0f);
    }
}
