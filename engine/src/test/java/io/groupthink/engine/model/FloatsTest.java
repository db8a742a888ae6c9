package io.groupthink.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** F16 / BF16 conversions: exact on representable values, IEEE rounding, subnormals, infinities, NaN. */
class FloatsTest {

    private static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    private static int bits(float f) {
        return Float.floatToRawIntBits(f);
    }

    // ---- F16

    @Test
    void everyF16BitPatternRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Floats.f16ToFloat((short) h);
            short back = Floats.toF16(f);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if (nan) {
                assertThat(f).as("0x%04x", h).isNaN();
                assertThat((back & 0x7c00) == 0x7c00 && (back & 0x3ff) != 0).as("0x%04x stays NaN", h).isTrue();
                assertThat(back & 0x8000).as("0x%04x keeps its sign", h).isEqualTo(h & 0x8000);
            } else {
                assertThat(back & 0xffff).as("0x%04x -> %s", h, f).isEqualTo(h);
            }
        }
    }

    @Test
    void f16SpecialValues() {
        assertThat(Floats.f16ToFloat((short) 0x0000)).isEqualTo(0f);
        assertThat(bits(Floats.f16ToFloat((short) 0x8000))).isEqualTo(bits(-0f));
        assertThat(Floats.f16ToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(Floats.f16ToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(Floats.f16ToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(Floats.f16ToFloat((short) 0x0400)).isEqualTo(0x1p-14f); // smallest normal
        assertThat(Floats.f16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f); // smallest subnormal
        assertThat(Floats.f16ToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f); // largest subnormal
        assertThat(Floats.f16ToFloat((short) 0x8001)).isEqualTo(-0x1p-24f);
        assertThat(Floats.f16ToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Floats.f16ToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Floats.f16ToFloat((short) 0x7e00)).isNaN();
        assertThat(Floats.f16ToFloat((short) 0x7c01)).isNaN(); // signalling payload stays NaN, not infinity
    }

    @Test
    void toF16RoundsToNearestEven() {
        float ulpAt1 = 0x1p-10f;
        assertThat(Floats.toF16(1f + ulpAt1 / 2)).isEqualTo((short) 0x3c00); // tie, even stays
        assertThat(Floats.toF16(1f + ulpAt1 * 1.5f)).isEqualTo((short) 0x3c02); // tie, odd rounds up
        assertThat(Floats.toF16(1f + ulpAt1 * 0.51f)).isEqualTo((short) 0x3c01);
        assertThat(Floats.toF16(2f - ulpAt1 / 4)).isEqualTo((short) 0x4000); // carry into the exponent
        assertThat(Floats.toF16(0.1f)).isEqualTo((short) 0x2e66);
    }

    @Test
    void toF16OverflowAndUnderflow() {
        assertThat(Floats.toF16(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Floats.toF16(65519f)).isEqualTo((short) 0x7bff); // below the midpoint to infinity
        assertThat(Floats.toF16(65520f)).isEqualTo((short) 0x7c00); // the midpoint rounds to infinity
        assertThat(Floats.toF16(1e10f)).isEqualTo((short) 0x7c00);
        assertThat(Floats.toF16(-1e10f)).isEqualTo((short) 0xfc00);
        assertThat(Floats.toF16(Float.MAX_VALUE)).isEqualTo((short) 0x7c00);
        assertThat(Floats.toF16(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7c00);
        assertThat(Floats.toF16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
        assertThat(Floats.toF16(0x1p-25f)).isEqualTo((short) 0x0000); // half the smallest subnormal: tie to even 0
        assertThat(Floats.toF16(0x1.8p-25f)).isEqualTo((short) 0x0001);
        assertThat(Floats.toF16(0x1p-26f)).isEqualTo((short) 0x0000);
        assertThat(Floats.toF16(-0x1p-30f)).isEqualTo((short) 0x8000); // keeps the sign of zero
        assertThat(Floats.toF16(Float.MIN_VALUE)).isEqualTo((short) 0x0000);
        assertThat(Floats.toF16(0x1p-14f - 0x1p-26f)).isEqualTo((short) 0x0400); // rounds up into the normals
        assertThat(Floats.toF16(3 * 0x1p-25f)).isEqualTo((short) 0x0002); // 1.5 subnormal ulps: tie to even 2
    }

    @Test
    void toF16OfNaNIsNaN() {
        for (int nanBits : new int[] {0x7fc00000, 0x7f800001, 0xffc00000, 0x7fbfffff, 0x7f802000}) {
            short h = Floats.toF16(Float.intBitsToFloat(nanBits));
            assertThat(Floats.f16ToFloat(h)).as("0x%08x", nanBits).isNaN();
        }
    }

    // ---- BF16

    @Test
    void everyBf16BitPatternRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = bf16ToFloat((short) h);
            short back = Floats.toBf16(f);
            if (Float.isNaN(f)) {
                assertThat(bf16ToFloat(back)).as("0x%04x", h).isNaN();
                assertThat(back & 0x8000).isEqualTo(h & 0x8000);
            } else {
                assertThat(back & 0xffff).as("0x%04x -> %s", h, f).isEqualTo(h);
            }
        }
    }

    @Test
    void toBf16RoundsToNearestEven() {
        assertThat(Floats.toBf16(Float.intBitsToFloat(0x3f808000))).isEqualTo((short) 0x3f80); // tie, even
        assertThat(Floats.toBf16(Float.intBitsToFloat(0x3f818000))).isEqualTo((short) 0x3f82); // tie, odd up
        assertThat(Floats.toBf16(Float.intBitsToFloat(0x3f808001))).isEqualTo((short) 0x3f81);
        assertThat(Floats.toBf16(Float.intBitsToFloat(0x3f807fff))).isEqualTo((short) 0x3f80);
        assertThat(Floats.toBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80); // rounds to infinity
        assertThat(Floats.toBf16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xff80);
        assertThat(Floats.toBf16(Float.MIN_VALUE)).isEqualTo((short) 0x0000); // subnormal rounds to zero
        assertThat(Floats.toBf16(Float.intBitsToFloat(0x00018000))).isEqualTo((short) 0x0002); // subnormal tie
    }

    @Test
    void toBf16OfNaNIsNaNEvenWithALowPayload() {
        // Plain truncation of 0x7f800001 would give 0x7f80: infinity.
        for (int nanBits : new int[] {0x7fc00000, 0x7f800001, 0xff800001, 0x7fffffff}) {
            assertThat(bf16ToFloat(Floats.toBf16(Float.intBitsToFloat(nanBits)))).as("0x%08x", nanBits).isNaN();
        }
    }

    // ---- widen

    private static ByteBuffer halves(short... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.flip();
    }

    @Test
    void widenF16() {
        short[] in = {0x3c00, (short) 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, (short) 0xfc00, 0x7e00, (short) 0x8000};
        FloatBuffer out = Floats.widen(halves(in), DType.F16, in.length).asFloatBuffer();
        assertThat(out.get(0)).isEqualTo(1f);
        assertThat(out.get(1)).isEqualTo(-2f);
        assertThat(out.get(2)).isEqualTo(0x1p-24f);
        assertThat(out.get(3)).isEqualTo(1023 * 0x1p-24f);
        assertThat(out.get(4)).isEqualTo(65504f);
        assertThat(out.get(5)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(out.get(6)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(out.get(7)).isNaN();
        assertThat(bits(out.get(8))).isEqualTo(bits(-0f));
    }

    @Test
    void widenBf16() {
        short[] in = {0x3f80, (short) 0xc000, 0x0001, 0x7f7f, 0x7f80, (short) 0xff80, 0x7fc0, (short) 0x8000};
        FloatBuffer out = Floats.widen(halves(in), DType.BF16, in.length).asFloatBuffer();
        assertThat(out.get(0)).isEqualTo(1f);
        assertThat(out.get(1)).isEqualTo(-2f);
        assertThat(out.get(2)).isEqualTo(Float.intBitsToFloat(0x00010000)); // a float subnormal
        assertThat(out.get(3)).isEqualTo(Float.intBitsToFloat(0x7f7f0000));
        assertThat(out.get(4)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(out.get(5)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(out.get(6)).isNaN();
        assertThat(bits(out.get(7))).isEqualTo(bits(-0f));
    }

    @Test
    void widenReadsLittleEndianWhateverTheSourceOrder() {
        ByteBuffer src = halves((short) 0x3c00, (short) 0x4000).order(ByteOrder.BIG_ENDIAN);
        FloatBuffer out = Floats.widen(src, DType.F16, 2).asFloatBuffer();
        assertThat(out.get(0)).isEqualTo(1f);
        assertThat(out.get(1)).isEqualTo(2f);
    }

    @Test
    void widenRefusesNonHalfTypes() {
        assertThatThrownBy(() -> Floats.widen(halves((short) 0), DType.F32, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("F32");
    }

    @Test
    void writerAndWidenAgreeThroughAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        float[] values = {1f, -0.5f, 0x1p-24f, 65504f, Float.POSITIVE_INFINITY, Float.NaN, 3.140625f};
        for (DType d : new DType[] {DType.F16, DType.BF16}) {
            java.nio.file.Path p = tmp.resolve(d + ".safetensors");
            new SafetensorsWriter().add("t", new long[] {values.length}, values).write(p, d);
            SafetensorsFile f = SafetensorsFile.open(p);
            SafetensorsFile.Entry e = f.entries().get("t");
            assertThat(e.dtype()).isEqualTo(d);
            FloatBuffer out = Floats.widen(f.map(e), d, e.elementCount()).asFloatBuffer();
            for (int i = 0; i < values.length; i++) {
                float expected = d == DType.F16 ? Floats.f16ToFloat(Floats.toF16(values[i]))
                        : bf16ToFloat(Floats.toBf16(values[i]));
                assertThat(bits(out.get(i))).as("%s[%d]", d, i).isEqualTo(bits(expected));
            }
        }
    }
}
