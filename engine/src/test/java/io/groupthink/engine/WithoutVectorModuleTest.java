package io.groupthink.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.runtime.KernelSelector;
import io.groupthink.engine.sampling.SamplingOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API is an incubator module a JVM has only under {@code --add-modules
 * jdk.incubator.vector}. Without it the model runs on LibTorch and samples in scalar code: a
 * JVM started without the option generates, greedy and sampled, the tokens this one does (with
 * the option, as the tests run).
 */
class WithoutVectorModuleTest {

    static final String PROMPT = "Tom had a red ball.";
    static final SamplingOptions SAMPLED = SamplingOptions.sampled(0.8, 0.9, 42);

    @Test
    void aJvmWithoutTheModuleGeneratesTheSameTokens() throws Exception {
        assertThat(KernelSelector.vectorModulePresent()).as("the tests run with the module").isTrue();
        GroupThinkModel model = TestModels.load(TestModels.stories()); // LibTorch products, as the child's
        String expected = tokens(model);

        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dgroupthink.shared=" + TestModels.shared(), Child.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] err = p.getErrorStream().readAllBytes();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("child stderr: %s", new String(err, StandardCharsets.UTF_8)).isZero();
        assertThat(out.lines().reduce((a, b) -> b).orElse("")).isEqualTo(expected);
    }

    /** Greedy and sampled tokens of the same prompt, on one line. */
    static String tokens(GroupThinkModel model) {
        GroupThinkResult greedy = model.generate(PROMPT, 40, SamplingOptions.GREEDY, List.of(), 0, null);
        GroupThinkResult sampled = model.generate(PROMPT, 40, SAMPLED, List.of(), 0, null);
        return Arrays.toString(greedy.thinkers().get(0).tokens()) + " " + Arrays.toString(sampled.thinkers().get(0).tokens());
    }

    /** Runs in a JVM started without the module. */
    public static final class Child {
        public static void main(String[] args) {
            if (KernelSelector.vectorModulePresent()) {
                throw new IllegalStateException("the child JVM has the module");
            }
            try (GroupThinkModel model = GroupThinkModel.load(TestModels.stories())) {
                System.out.println(tokens(model));
            }
            System.exit(0); // LibTorch's and the engine's threads are daemons, but do not wait on them
        }
    }
}
