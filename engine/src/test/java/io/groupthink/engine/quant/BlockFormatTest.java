package io.groupthink.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.groupthink.engine.model.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockFormatTest {

    @Test
    void q8_0ErrorIsWithinHalfAStepAndBytesMatchTheLayout() {
        Random r = new Random(7);
        float[] x = new float[32 * 9];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * (1 + i / 32);
        }
        ByteBuffer buf = ByteBuffer.allocate(9 * Q8_0.BYTES);
        Q8_0.quantize(x, 0, x.length, buf);
        assertEquals(9 * Q8_0.BYTES, buf.position());
        float[] y = new float[x.length];
        Q8_0.dequantize(buf, 0, x.length, y, 0);
        for (int b = 0; b < 9; b++) {
            float d = Floats.f16ToFloat(buf.order(ByteOrder.LITTLE_ENDIAN).getShort(b * Q8_0.BYTES));
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                // half a step, plus what rounding d to fp16 costs at the extreme code
                assertTrue(Math.abs(x[i] - y[i]) <= 0.5f * d + 127 * Math.abs(d) * 1e-3f, "element " + i);
            }
        }
    }

    @Test
    void q8_0TiesRoundAwayFromZeroAsInC() {
        assertEquals(-3, Q8_0.roundHalfAway(-2.5f));
        assertEquals(3, Q8_0.roundHalfAway(2.5f));
        assertEquals(0, Q8_0.roundHalfAway(0.49999997f));
    }

    @Test
    void q4_0MapsTheLargestMagnitudeExactlyAndPacksNibblesAsGgml() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 10) * 0.25f; // largest magnitude 5.25 at j = 31
        }
        ByteBuffer buf = ByteBuffer.allocate(Q4_0.BYTES);
        Q4_0.quantize(x, 0, 32, buf);
        float[] y = new float[32];
        Q4_0.dequantize(buf, 0, 32, y, 0);
        float d = Floats.f16ToFloat(buf.order(ByteOrder.LITTLE_ENDIAN).getShort(0));
        assertEquals(-5.25f / 8, d, 1e-3);
        assertEquals(x[31], y[31], 1e-2);
        // weight 31 is the high nibble of byte 15, code 0 (= -8 * d = the maximum)
        assertEquals(0, (buf.get(2 + 15) & 0xFF) >>> 4);
        for (int j = 0; j < 32; j++) {
            assertTrue(Math.abs(x[j] - y[j]) <= 0.5f * Math.abs(d) + 1e-3f, "element " + j);
        }
    }

    @Test
    void partialBlocksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Q8_0.quantize(new float[40], 0, 40, ByteBuffer.allocate(100)));
        assertThrows(IllegalArgumentException.class, () -> Q4_0.dequantize(ByteBuffer.allocate(100), 0, 20, new float[20], 0));
    }

    @Test
    void typeTableMatchesGgml() {
        assertEquals(GgmlType.Q8_0, GgmlType.ofId(8));
        assertEquals(GgmlType.BF16, GgmlType.ofId(30));
        assertEquals(144, GgmlType.Q4_K.blockBytes());
        assertEquals(210, GgmlType.Q6_K.blockBytes());
        assertEquals(2 * 18, GgmlType.Q4_0.rowBytes(64));
        assertEquals(-1, GgmlType.Q4_K.rowBytes(100));
    }
}
