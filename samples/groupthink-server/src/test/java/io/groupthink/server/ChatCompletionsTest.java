package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptPlan;
import io.groupthink.spring.session.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The OpenAI shapes, Group Think's modes through n and group_think, and every refusal's status. */
@AutoConfigureWebTestClient(timeout = "120s")
class ChatCompletionsTest extends ServerTestBase {

    @Autowired
    WebTestClient web;

    @Autowired
    ApplicationContext context;

    private WebTestClient.ResponseSpec post(String body) {
        return web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + KEY).bodyValue(body).exchange();
    }

    private static String request(String extra) {
        return "{\"model\":\"stories260K-hf\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]"
                + extra + "}";
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> choices(String extra) {
        Map<String, Object> body = post(request(extra)).expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody();
        return (List<Map<String, Object>>) body.get("choices");
    }

    @SuppressWarnings("unchecked")
    private static String content(Map<String, Object> choice) {
        return (String) ((Map<String, Object>) choice.get("message")).get("content");
    }

    @Test
    void aPlainCompletionIsTheEnginesGreedyAnswerWithItsUsage() throws Exception {
        GroupThinkResult direct = direct(user(QUESTION), 24);
        post(request(",\"max_tokens\":24")).expectStatus().isOk().expectBody()
                .jsonPath("$.object").isEqualTo("chat.completion")
                .jsonPath("$.model").isEqualTo(MODEL)
                .jsonPath("$.choices.length()").isEqualTo(1)
                .jsonPath("$.choices[0].index").isEqualTo(0)
                .jsonPath("$.choices[0].message.role").isEqualTo("assistant")
                .jsonPath("$.choices[0].message.content").isEqualTo(direct.thinkers().get(0).text())
                .jsonPath("$.choices[0].finish_reason").isEqualTo("length")
                .jsonPath("$.usage.prompt_tokens").isEqualTo(direct.promptTokens())
                .jsonPath("$.usage.completion_tokens").isEqualTo(24)
                .jsonPath("$.usage.total_tokens").isEqualTo(direct.promptTokens() + 24);
    }

    /** vLLM's min_tokens: a stop string within the first min_tokens - 1 tokens does not end the choice. */
    @Test
    void minTokensKeepsAChoiceGoingPastAStopString() throws Exception {
        String full = direct(user(QUESTION), 24).thinkers().get(0).text();
        String stop = full.substring(8, 12);
        List<Map<String, Object>> held = choices(",\"max_tokens\":24,\"min_tokens\":24,\"stop\":[\"" + stop + "\"]");
        assertThat(held.get(0).get("finish_reason")).isEqualTo("length");
        assertThat(content(held.get(0))).isEqualTo(full);
        expectError(post(request(",\"max_tokens\":4,\"min_tokens\":5")), 400, "min_tokens",
                "min_tokens must be between 0 and max_tokens (4), got 5");
    }

    @Test
    void aStopStringEndsTheChoiceWithFinishReasonStop() throws Exception {
        String full = direct(user(QUESTION),
                24).thinkers().get(0).text();
        String stop = full.substring(8, 12);
        List<Map<String, Object>> choices = choices(",\"max_tokens\":24,\"stop\":[\"" + stop + "\"]");
        assertThat(choices.get(0).get("finish_reason")).isEqualTo("stop");
        assertThat(content(choices.get(0))).isEqualTo(full.substring(0, full.indexOf(stop)));
    }

    @Test
    void nThinkersComeBackAsChoicesByIndexAndGroupDiffersFromIndependent() {
        List<Map<String, Object>> group = choices(",\"n\":4,\"max_tokens\":16,\"group_think\":{\"mode\":\"group\"}");
        List<Map<String, Object>> independent = choices(
                ",\"n\":4,\"max_tokens\":16,\"group_think\":{\"mode\":\"independent\"}");
        assertThat(group).extracting(c -> c.get("index")).containsExactly(0, 1, 2, 3);
        assertThat(independent).extracting(c -> c.get("index")).containsExactly(0, 1, 2, 3);
        assertThat(group.stream().map(ChatCompletionsTest::content).toList())
                .isNotEqualTo(independent.stream().map(ChatCompletionsTest::content).toList());
    }

    @Test
    void independentThinkersEqualFourSeparateGreedyGenerations() throws Exception {
        List<Map<String, Object>> independent = choices(
                ",\"n\":4,\"max_tokens\":16,\"group_think\":{\"mode\":\"independent\"}");
        // Each thinker alone: its own full prompt (shared part, its instructions, its header) as one
        // plain generation on the engine, run one after another.
        GroupThinkRequest r = sessions.request(QUESTION,
                RequestOptions.builder().thinkers(4).mode(Mode.INDEPENDENT).build());
        PromptPlan plan = PromptPlan.build(model.tokenizer(), model.chatTemplate(), r.template(), r.question(),
                Mode.INDEPENDENT, 4, List.of(), false);
        List<String> separate = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            int[] ids = concat(plan.shared(), plan.instructions()[n], plan.headers()[n]);
            separate.add(direct(ids, 16).thinkers().get(0).text());
        }
        assertThat(independent.stream().map(ChatCompletionsTest::content).toList()).isEqualTo(separate);
        // The thinkers' prompts differ only in their ids, and that is enough to part their answers.
        assertThat(separate.stream().distinct().count()).isGreaterThan(1);
    }

    @Test
    void synthesisIsAnExtraChoiceAndGroupThinkReportsWhatRan() {
        post(request(",\"n\":2,\"max_tokens\":8,\"group_think\":{\"mode\":\"group\",\"layout\":\"interleaved\","
                + "\"synthesize\":true,\"synthesis_tokens\":6}"))
                .expectStatus().isOk().expectBody()
                .jsonPath("$.choices.length()").isEqualTo(3)
                .jsonPath("$.choices[2].index").isEqualTo(2)
                .jsonPath("$.choices[2].message.content").isNotEmpty()
                .jsonPath("$.group_think.mode").isEqualTo("group_think")
                .jsonPath("$.group_think.layout").isEqualTo("interleaved")
                .jsonPath("$.group_think.thinkers").isEqualTo(2)
                .jsonPath("$.group_think.synthesis").isEqualTo(2);
    }

    @Test
    void rolesSetTheThinkers() {
        post(request(",\"max_tokens\":6,\"group_think\":{\"roles\":[\"a cat\",\"a dog\",\"a bird\"]}"))
                .expectStatus().isOk().expectBody().jsonPath("$.choices.length()").isEqualTo(3);
        post(request(",\"n\":2,\"group_think\":{\"roles\":[\"a cat\",\"a dog\",\"a bird\"]}"))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error.param").isEqualTo("n");
    }

    @Test
    void aStreamInterleavesThinkersByIndexAndEndsWithUsageAndDone() {
        List<String> events = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + KEY)
                .bodyValue(request(",\"n\":3,\"max_tokens\":10,\"stream\":true,\"stream_options\":{\"include_usage\":true}"))
                .exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(120));
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(events.get(0)).contains("\"role\":\"assistant\"");
        List<Integer> order = new ArrayList<>();
        for (String e : events.subList(1, events.size() - 1)) {
            if (e.contains("\"content\"")) {
                order.add(Integer.parseInt(e.replaceAll(".*\"index\":(\\d+).*", "$1")));
            }
        }
        // Interleaved as produced: the first tokens of all three thinkers come before any second token.
        assertThat(order.subList(0, 3)).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(events.stream().filter(e -> e.contains("\"finish_reason\":\"length\"")).count()).isEqualTo(3);
        assertThat(events.get(events.size() - 2)).contains("\"choices\":[]").contains("\"completion_tokens\":30");
    }

    @Test
    void listsTheModel() {
        web.get().uri("/v1/models").header("Authorization", "Bearer " + KEY).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.data[0].id").isEqualTo(MODEL)
                .jsonPath("$.data[0].object").isEqualTo("model");
        web.get().uri("/v1/models/nope").header("Authorization", "Bearer " + KEY).exchange()
                .expectStatus().isNotFound().expectBody().jsonPath("$.error.code").isEqualTo("model_not_found");
    }

    @Test
    void badRequestsGetOpenAiErrorsWithTheirStatusNeverA500() {
        expectError(post("{\"model\": \"stories260K-hf\", "), 400, null, "not valid JSON");
        expectError(post(request("").replace("stories260K-hf", "gpt-4o")), 404, "model", "gpt-4o");
        expectError(post(request(",\"n\":0")), 400, "n", "at least 1");
        expectError(post(request(",\"n\":100")), 400, "n", "groupthink.limits.max-thinkers");
        expectError(post(request(",\"max_tokens\":0")), 400, "max_tokens", "at least 1");
        expectError(post(request(",\"max_completion_tokens\":-3")), 400, "max_completion_tokens", "at least 1");
        expectError(post(request(",\"temperature\":\"hot\"")), 400, "temperature", "number");
        expectError(post(request(",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]")), 400, "stop", "at most 4");
        expectError(post(request(",\"tools\":[{\"type\":\"function\"}]")), 400, "tools", "not supported");
        expectError(post(request(",\"response_format\":{\"type\":\"yaml\"}")), 400, "response_format.type", "yaml");
        expectError(post(request(",\"group_think\":{\"mode\":\"vote\"}")), 400, "group_think.mode", "vote");
        expectError(post("{\"model\":\"stories260K-hf\",\"messages\":[]}"), 400, "messages", "non-empty");
        expectError(post(request(",\"max_tokens\":600")), 400, null, "context");
        expectError(post("x".repeat(300_000)), 413, null, "groupthink.server.max-request-size");
        expectError(web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer sk-wrong").bodyValue(request("")).exchange(), 401, null,
                "Incorrect API key");
        expectError(web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(request("")).exchange(), 401, null, "didn't provide an API key");
        expectError(web.get().uri("/v1/nothing").header("Authorization", "Bearer " + KEY)
                .exchange(), 404, null, "Unknown request URL");
    }

    @Test
    void aWrongKeyIsNeverEchoed() {
        post(request("")); // warm
        String body = web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer sk-secret-guess-123").bodyValue(request("")).exchange()
                .expectStatus().isUnauthorized().expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).doesNotContain("sk-secret-guess-123").doesNotContain(KEY);
    }

    @Test
    void aDrainingReplicaRefusesNewSessionsWith503AndRetryAfter() {
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        try {
            post(request("")).expectStatus().isEqualTo(503)
                    .expectHeader().valueEquals("Retry-After", "1")
                    .expectBody().jsonPath("$.error.code").isEqualTo("draining");
            web.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(503);
            web.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        } finally {
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }
        web.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
    }

    @Test
    void prometheusExposesTheAutoscalingMetrics() {
        web.get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody(String.class)
                .value(text -> assertThat(text).contains("groupthink_sessions_queued")
                        .contains("groupthink_kv_bytes").contains("groupthink_kv_capacity_bytes")
                        .contains("groupthink_sessions_active"));
    }

    private static void expectError(WebTestClient.ResponseSpec response, int status, String param, String message) {
        response.expectStatus().isEqualTo(status).expectBody()
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains(message))
                .jsonPath("$.error.type").isNotEmpty()
                .jsonPath("$.error.param").isEqualTo(param);
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
