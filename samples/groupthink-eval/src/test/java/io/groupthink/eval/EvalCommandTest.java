package io.groupthink.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvalCommandTest {

    @TempDir
    static Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = EvalCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsageAndSucceeds() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--model DIR", "--tasks", "--thinkers", "--modes", "--budget", "--seeds", "--out",
                "--layout", "--rounds R", "--segment S", "--summary-tokens M", "--carry m", "--strategies");
        assertThat(run("--model", dir.toString(), "-h").code()).isZero();
    }

    @Test
    void parsesEveryOption() {
        EvalConfig c = EvalCommand.parse(new String[] {"--model", dir.toString(), "--tasks",
                "enumeration,floyd-warshall,programming", "--thinkers", "1,2,4,8", "--modes", "group,independent,cot",
                "--budget", "16", "--seeds", "1,2,3", "--out", dir.resolve("o").toString(), "--layout=interleaved"});
        assertThat(c.tasks()).containsExactly("enumeration", "floyd-warshall", "programming");
        assertThat(c.thinkers()).containsExactly(1, 2, 4, 8);
        assertThat(c.modes()).containsExactly(Mode.GROUP_THINK, Mode.INDEPENDENT, Mode.COT);
        assertThat(c.budget()).isEqualTo(16);
        assertThat(c.seeds()).containsExactly(1L, 2L, 3L);
        assertThat(c.out()).isEqualTo(dir.resolve("o"));
        assertThat(c.layout()).isEqualTo(Layout.INTERLEAVED);
        EvalConfig d = EvalCommand.parse(new String[] {"--model", dir.toString()});
        assertThat(d.tasks()).containsExactly("enumeration", "floyd-warshall", "programming");
        assertThat(d.thinkers()).isEqualTo(List.of(1, 2, 4, 8));
        assertThat(d.budget()).isEqualTo(EvalConfig.DEFAULT_BUDGET);
        assertThat(d.layout()).isEqualTo(Layout.SLOTTED);
        assertThat(d.strategies()).containsExactly(Strategy.PLAIN);
        assertThat(d.rounds()).isNull();
    }

    @Test
    void parsesRoundOptions() {
        EvalConfig c = EvalCommand.parse(new String[] {"--model", dir.toString(), "--rounds", "5", "--segment", "16",
                "--summary-tokens", "8", "--carry", "4"});
        assertThat(c.strategies()).containsExactly(Strategy.PLAIN, Strategy.ROUNDS);
        assertThat(c.rounds().rounds()).isEqualTo(5);
        assertThat(c.rounds().segmentTokens()).isEqualTo(16);
        assertThat(c.rounds().summaryTokens()).isEqualTo(8);
        assertThat(c.rounds().carryTokens()).isEqualTo(4);
        EvalConfig only = EvalCommand.parse(new String[] {"--model", dir.toString(), "--rounds", "2", "--strategies",
                "rounds"});
        assertThat(only.strategies()).containsExactly(Strategy.ROUNDS);
        assertThat(only.rounds().segmentTokens()).isEqualTo(EvalCommand.DEFAULT_SEGMENT);
        assertThat(only.rounds().summaryTokens()).isEqualTo(EvalCommand.DEFAULT_SUMMARY_TOKENS);
        assertThat(only.rounds().carryTokens()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "--budget x;--budget",
            "--budget 0;--budget",
            "--budget -3;--budget",
            "--budget;--budget needs a value",
            "--thinkers 1,x;--thinkers",
            "--thinkers 0;--thinkers",
            "--thinkers 17;--thinkers",
            "--thinkers 1,,2;--thinkers",
            "--modes group,solo;--modes",
            "--tasks sorting;--tasks",
            "--seeds one;--seeds",
            "--layout diagonal;--layout",
            "--frobnicate 3;--frobnicate",
            "--budget 4 --budget 5;--budget",
            "stray;stray",
            "--rounds 0;--rounds",
            "--rounds x;--rounds",
            "--rounds 2 --segment 0;--segment",
            "--rounds 2 --summary-tokens -1;--summary-tokens",
            "--rounds 2 --segment 8 --carry 9;--carry",
            "--rounds 2 --carry -1;--carry",
            "--segment 8;--segment needs --rounds",
            "--carry 2;--carry needs --rounds",
            "--strategies rounds;--strategies rounds needs --rounds",
            "--strategies plain --rounds 2;--rounds needs rounds in --strategies",
            "--strategies plain,sideways;--strategies",
    })
    void badOptionsGiveOneLineNamingTheOptionAndExitTwo(String args, String named) {
        String[] parts = ("--model " + dir + " " + args).split(" ");
        Run r = run(parts);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("error: ").contains(named);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingOrBadModelIsNamed() {
        Run none = run("--budget", "4");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().strip()).doesNotContain("\n").contains("--model");
        Run missing = run("--model", dir.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--model").contains("not a model folder or GGUF file");
    }

    @Test
    void aFolderThatIsNoModelFailsWithExitOne() {
        Run r = run("--model", dir.toString(), "--budget", "4", "--out", dir.resolve("out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: cannot load model");
    }
}
