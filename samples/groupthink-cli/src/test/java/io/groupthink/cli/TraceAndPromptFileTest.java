package io.groupthink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** think --json --trace, and prompts from a file or standard input. */
class TraceAndPromptFileTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String STORIES = CliRun.stories().toString();

    @Test
    void theTraceListsEveryStoredTokenWithOwnerPositionAndPass() throws Exception {
        CliRun r = CliRun.of("think", "--model", STORIES, "--question", "Lily saw a cat.", "--thinkers", "2",
                "--max-tokens", "5", "--greedy", "--json", "--trace", "--linear", "torch");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("visibility").get("mode").asText()).isEqualTo("group");
        JsonNode trace = j.get("trace");
        int prompt = 0;
        int lastPass = 0;
        int[] fed = new int[2];
        for (JsonNode t : trace) {
            assertThat(t.get("pass").asInt()).as("passes in arrival order").isGreaterThanOrEqualTo(lastPass);
            lastPass = t.get("pass").asInt();
            String owner = t.get("owner").asText();
            assertThat(owner).isIn("prompt", "instructions", "header", "lane");
            if (owner.equals("prompt")) {
                assertThat(t.get("position").asInt()).isEqualTo(prompt++);
                assertThat(t.get("pass").asInt()).isZero();
            }
            if (owner.equals("lane")) {
                int lane = t.get("lane").asInt();
                assertThat(t.get("step").asInt()).isEqualTo(fed[lane]);
                assertThat(t.get("id").asInt())
                        .isEqualTo(j.get("thinkers").get(lane).get("generated_ids").get(fed[lane]).asInt());
                fed[lane]++;
            }
        }
        assertThat(prompt).isPositive();
        assertThat(trace.size()).isEqualTo(j.get("prompt_tokens").asInt() + fed[0] + fed[1]);
        assertThat(CliRun.of("think", "--model", STORIES, "--question", "q", "--trace").err())
                .contains("--trace only applies with --json");
    }

    @Test
    void aQuestionFromAFileOrStandardInputEqualsTheSameQuestionInline(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("question.txt");
        Files.writeString(file, "Lily saw a cat.");
        String[] common = {"--thinkers", "2", "--max-tokens", "6", "--greedy", "--json", "--linear", "torch"};
        JsonNode inline = JSON.readTree(run("think", "--model", STORIES, "--question", "Lily saw a cat.", common).out());
        JsonNode fromFile = JSON.readTree(run("think", "--model", STORIES, "--prompt-file", file.toString(), common).out());
        assertThat(fromFile.get("thinkers")).isEqualTo(inline.get("thinkers"));
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Lily saw a cat.".getBytes(StandardCharsets.UTF_8)));
            JsonNode fromStdin = JSON.readTree(run("think", "--model", STORIES, "--prompt-file", "-", common).out());
            assertThat(fromStdin.get("thinkers")).isEqualTo(inline.get("thinkers"));
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void aMegabytePromptFromAFileGetsAClearErrorAndBadFilesAreNamed(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.txt");
        // past any argument limit (128 KiB per argument on Linux); 1 MiB rather than 5 to keep the test quick
        Files.writeString(big, "Once upon a time. ".repeat(1024 * 1024 / 18));
        CliRun r = CliRun.of("generate", "--model", STORIES, "--prompt-file", big.toString(), "--max-tokens", "4",
                "--linear", "torch");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("context");
        CliRun missing = CliRun.of("generate", "--model", STORIES, "--prompt-file", dir.resolve("nope.txt").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--prompt-file").contains("nope.txt");
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9});
        assertThat(CliRun.of("generate", "--model", STORIES, "--prompt-file", latin1.toString()).err())
                .contains("not UTF-8");
        CliRun both = CliRun.of("think", "--model", STORIES, "--question", "q", "--prompt-file", big.toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("not both");
    }

    static CliRun run(String command, String model, String dir, String option, String value, String... rest) {
        String[] args = new String[5 + rest.length];
        args[0] = command;
        args[1] = model;
        args[2] = dir;
        args[3] = option;
        args[4] = value;
        System.arraycopy(rest, 0, args, 5, rest.length);
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }
}
