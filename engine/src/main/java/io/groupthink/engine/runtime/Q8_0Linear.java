package io.groupthink.engine.runtime;

import io.groupthink.engine.quant.Q8_0;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The few-row kernel over Q8_0 weights: weight = code * scale, 8-bit signed codes (1.125 bytes a weight as held). */
final class Q8_0Linear extends BlockLinear {

    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));

    /** @param rows Q8_0 blocks of each row of W [out, in] in turn, as ggml (and a GGUF file) lays them out */
    Q8_0Linear(ByteBuffer rows, int out, int in, float[] bias, SpinPool pool, int parts) {
        super(rows, out, in, Q8_0.BLOCK, bias, pool, parts);
    }

    /** Quantizes a row-major fp32 W [out, in] as llama.cpp does. */
    static Q8_0Linear quantized(float[] weight, int out, int in, float[] bias, SpinPool pool, int parts) {
        return new Q8_0Linear(quantize(weight, out, in, Q8_0.BYTES, Q8_0::quantize), out, in, bias, pool, parts);
    }

    private FloatVector code(int index) {
        return (FloatVector) ByteVector.fromArray(B, codes, index).convertShape(VectorOperators.B2F, S, 0);
    }

    @Override
    void decode(int b, int kb, float[] w, int dst) {
        int s = (b * inBlocks + kb) * L;
        FloatVector d = FloatVector.fromArray(S, scales, s);
        int src = s * Q8_0.BLOCK;
        for (int j = 0; j < Q8_0.BLOCK; j++) {
            code(src + j * L).mul(d).intoArray(w, dst + j * L);
        }
    }
}
