package io.groupthink.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.model.ModelConfig;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * At Q4_0 the output matrix keeps Q8_0 codes, as llama-quantize's Q4_0 files keep output.weight
 * (or the tied token_embd.weight) at 8 bits: the bytes a step streams are the layers' matrices at
 * Q4_0 plus the head at Q8_0, counted here from the shapes as BlockLinear holds them.
 */
class QuantizedHeadTest {

    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void atQ4_0TheHeadKeepsQ8_0Codes() {
        try (GroupThinkModel q4 = load("q4_0"); GroupThinkModel q8 = load("q8_0")) {
            ModelConfig c = q4.config();
            long head8 = held(c.vocabSize(), c.hiddenSize(), 32);
            assertThat(q4.transformer().weightBytesPerStep()).isEqualTo(layers(c, 16) + head8);
            assertThat(q8.transformer().weightBytesPerStep()).isEqualTo(layers(c, 32) + head8);
        }
    }

    private static GroupThinkModel load(String quantize) {
        return GroupThinkModel.load(TestModels.stories(),
                new GroupThinkModel.Options(0, false, LinearFactory.named("kernel", 0, quantize)));
    }

    /** Every layer's qkv, o, gate/up and down matrices with {@code codeBytes} of codes a block. */
    private static long layers(ModelConfig c, int codeBytes) {
        int d = c.hiddenSize();
        long layer = held(c.qDim() + 2 * c.kvDim(), d, codeBytes) + held(d, c.qDim(), codeBytes)
                + held(2 * c.intermediateSize(), d, codeBytes) + held(d, c.intermediateSize(), codeBytes);
        return c.numLayers() * layer;
    }

    /** W [out, in] as BlockLinear holds it: whole column blocks of LANES outputs, blocks of 32 inputs, fp32 scales. */
    private static long held(int out, int in, int codeBytes) {
        long columns = (out + LANES - 1) / LANES * LANES;
        return columns * ((in + 31) / 32) * (codeBytes + 4);
    }
}
