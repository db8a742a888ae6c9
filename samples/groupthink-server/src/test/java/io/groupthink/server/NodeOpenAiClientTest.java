package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The official {@code openai} npm package, from {@code src/test/node/client.mjs}, against the server
 * on loopback: a completion and an n = 4 stream whose thinkers are told apart by choice index, each
 * checked against the engine's direct greedy result. The package is installed here with npm when
 * missing; the test is skipped only where Node.js itself is absent.
 */
class NodeOpenAiClientTest extends ServerTestBase {

    static final Path CLIENT = Path.of("src/test/node");

    @Autowired
    JsonMapper json;

    @Test
    void theOfficialNodeClientGetsTheEnginesAnswers() throws Exception {
        assumeTrue(run(CLIENT, 60, "node", "--version").exit == 0, "Node.js is not installed");
        if (!Files.isDirectory(CLIENT.resolve("node_modules/openai"))) {
            Result install = run(CLIENT, 300, "npm", "install", "--no-audit", "--no-fund", "--no-package-lock");
            assertThat(install.exit).as("npm install: %s", install.output).isZero();
        }
        Result client = run(CLIENT, 300, "node", "client.mjs", "http://127.0.0.1:" + port + "/v1",
                KEY, MODEL);
        assertThat(client.exit).as("node client.mjs: %s", client.output).isZero();
        String last = client.output.strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode got = json.readTree(last);

        GroupThinkResult plain = direct(user(QUESTION), 24);
        JsonNode completion = got.get("completion");
        assertThat(completion.get("text").stringValue()).isEqualTo(plain.thinkers().get(0).text());
        assertThat(completion.get("finish_reason").stringValue()).isEqualTo("length");
        assertThat(completion.at("/usage/prompt_tokens").intValue()).isEqualTo(plain.promptTokens());
        assertThat(completion.at("/usage/completion_tokens").intValue()).isEqualTo(plain.generatedTokens());

        GroupThinkResult group = directGroup(4, Mode.GROUP_THINK, 12);
        JsonNode stream = got.get("stream");
        assertThat(stream.get("choices").size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            JsonNode c = stream.get("choices").get(i);
            GroupThinkResult.ThinkerResult t = group.thinkers().get(i);
            assertThat(c.get("index").intValue()).isEqualTo(i);
            assertThat(c.get("text").stringValue()).as("thinker %d", i + 1).isEqualTo(t.text());
            assertThat(c.get("finish_reason").stringValue()).isEqualTo(Completions.finishReason(t.finishReason()));
        }
        // Interleaved as produced: every thinker's first piece before anyone's second.
        assertThat(List.of(stream.get("first_indexes").get(0).intValue(), stream.get("first_indexes").get(1).intValue(),
                stream.get("first_indexes").get(2).intValue(), stream.get("first_indexes").get(3).intValue()))
                .containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(stream.at("/usage/prompt_tokens").intValue()).isEqualTo(group.promptTokens());
        assertThat(stream.at("/usage/completion_tokens").intValue()).isEqualTo(group.generatedTokens());

        JsonNode error = got.get("error");
        assertThat(error.get("status").intValue()).isEqualTo(404);
        assertThat(error.get("code").stringValue()).isEqualTo("model_not_found");
    }

    record Result(int exit, String output) {}

    static Result run(Path dir, int timeoutSeconds, String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }
}
