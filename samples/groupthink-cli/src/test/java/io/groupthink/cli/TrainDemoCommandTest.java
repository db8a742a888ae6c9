package io.groupthink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** train-demo writes a loadable folder and measures it; think without --model runs the shipped model. */
class TrainDemoCommandTest {

    @Test
    void shortRunWritesAFolderThatEvaluates() throws Exception {
        Path out = Files.createTempDirectory("gt-cli-train-");
        CliRun r = CliRun.of("train-demo", "--out", out.toString(), "--steps", "3", "--eval-runs", "2");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(out.resolve("model.safetensors")).isRegularFile();
        assertThat(out.resolve("tokenizer_config.json")).content().contains("chat_template");
        assertThat(r.out()).contains("trained 1,062,528 parameters", "| Group Think N=4 | 2 |", "| CoT | 2 |");
    }

    @Test
    void thinkWithoutModelRunsTheShippedModel() {
        CliRun r = CliRun.of("think", "--question", "List all fruits.", "--thinkers", "2", "--mode", "group",
                "--max-tokens", "16", "--temperature", "0.7", "--top-p", "0.95", "--seed", "3", "--json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("shipped model groupthink-enum");
        assertThat(r.out()).containsPattern("\"text\"\\s*:\\s*\"\\s*(apple|banana|cherry|grape|lemon|mango|melon|orange|"
                + "peach|pear|plum|kiwi),");
    }

    @Test
    void fileAsOutIsAUsageError() throws Exception {
        Path file = Files.createTempFile("gt-cli-train-", ".txt");
        CliRun r = CliRun.of("train-demo", "--out", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--out");
    }
}
