package io.groupthink.engine.model.gguf;

import static io.groupthink.engine.TestModels.ints;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.quant.GgmlType;
import io.groupthink.engine.runtime.LinearFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Q8_0 or Q4_0 GGUF file on the kernel runs in its own format without being asked: the same
 * products as asking for that quantization, a step that reads the quantized bytes, and greedy
 * choices that agree with the file's weights computed exactly (dequantized, fp32 products). They
 * are not bit-equal to those: the kernel also quantizes the few matrices the file kept in F32
 * (stories260K's 172-wide down projections).
 */
class GgufOnKernelTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"Q8_0, 0.95", "Q4_0, 0.80"})
    void aQuantizedFileRunsInItsFormat(GgmlType type, double floor) throws IOException {
        Path quantized = tmp.resolve(type + ".gguf");
        GgufQuantizer.quantize(GgufFile.open(TestModels.storiesGguf()), quantized, type);
        String q = type.name().toLowerCase();
        try (GroupThinkModel byDefault = load(quantized, LinearFactory.vector(0));
                GroupThinkModel asked = load(quantized, LinearFactory.named("kernel", 0, q));
                GroupThinkModel exact = load(quantized, LinearFactory.named("kernel-fp32", 0))) {
            long bytes = byDefault.transformer().weightBytesPerStep();
            assertThat(bytes).isEqualTo(asked.transformer().weightBytesPerStep());
            assertThat(bytes).isLessThan(exact.transformer().weightBytesPerStep() / 3);
            int same = 0;
            int total = 0;
            for (JsonNode c : new ObjectMapper().readTree(TestModels.stories().resolve("golden.json").toFile())
                    .get("cases")) {
                int[] prompt = ints(c.get("prompt_ids"));
                int[] forced = ints(c.get("generated_ids"));
                List<float[]> d = forced(byDefault, prompt, forced);
                List<float[]> a = forced(asked, prompt, forced);
                List<float[]> e = forced(exact, prompt, forced);
                for (int i = 0; i < d.size(); i++) {
                    assertThat(d.get(i)).as("step %d", i).containsExactly(a.get(i));
                    same += argmax(d.get(i)) == argmax(e.get(i)) ? 1 : 0;
                    total++;
                }
            }
            double agreement = (double) same / total;
            System.out.printf("%s file on the kernel: top-1 agreement with its exact weights %d/%d = %.3f%n", type,
                    same, total, agreement);
            assertThat(agreement).isGreaterThanOrEqualTo(floor);
        }
    }

    private static GroupThinkModel load(Path file, LinearFactory linears) {
        return GroupThinkModel.load(file, new GroupThinkModel.Options(0, false, linears));
    }

    private static int argmax(float[] l) {
        int best = 0;
        for (int v = 1; v < l.length; v++) {
            best = l[v] > l[best] ? v : best;
        }
        return best;
    }

    private static List<float[]> forced(GroupThinkModel model, int[] prompt, int[] forced) {
        return GgufFixtures.forcedLogits(model, prompt, forced.length, i -> forced[i]);
    }
}
