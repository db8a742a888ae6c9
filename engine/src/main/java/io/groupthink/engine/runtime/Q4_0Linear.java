package io.groupthink.engine.runtime;

import io.groupthink.engine.quant.Q4_0;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The few-row kernel over Q4_0 weights: weight = (code - 8) * scale, 4-bit codes (0.625 bytes a
 * weight as held). As in ggml, byte j of a block holds input j in its low nibble and input j + 16
 * in its high one, so one load of L bytes decodes two vectors.
 */
final class Q4_0Linear extends BlockLinear {

    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    private static final int HALF = Q4_0.BLOCK / 2;

    /** @param rows Q4_0 blocks of each row of W [out, in] in turn, as ggml (and a GGUF file) lays them out */
    Q4_0Linear(ByteBuffer rows, int out, int in, float[] bias, SpinPool pool, int parts) {
        super(rows, out, in, HALF, bias, pool, parts);
    }

    /** Quantizes a row-major fp32 W [out, in] as llama.cpp does. */
    static Q4_0Linear quantized(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts) {
        return new Q4_0Linear(quantize(weight, out, in, Q4_0.BYTES, Q4_0::quantize), out, in, bias, pool, parts);
    }

    private IntVector codes(int index) {
        return (IntVector) ByteVector.fromArray(B, codes, index).convertShape(VectorOperators.B2I, I, 0);
    }

    /** Input j of the pair: the low nibble, less 8. */
    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** Input j + 16: the high nibble, less 8. */
    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    @Override
    void decode(int b, int kb, float[] w, int dst) {
        int s = (b * inBlocks + kb) * L;
        FloatVector d = FloatVector.fromArray(S, scales, s);
        int src = s * HALF;
        for (int j = 0; j < HALF; j++) {
            IntVector q = codes(src + j * L);
            low(q).mul(d).intoArray(w, dst + j * L);
            high(q).mul(d).intoArray(w, dst + (j + HALF) * L);
        }
    }
}
