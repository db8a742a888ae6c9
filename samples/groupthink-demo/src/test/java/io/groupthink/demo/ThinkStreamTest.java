package io.groupthink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@ActiveProfiles("tiny")
class ThinkStreamTest {

    static final ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>> EVENT = new ParameterizedTypeReference<>() {};

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("groupthink.model.path", () -> io.groupthink.engine.TestModels.stories().toString());
    }

    @Autowired
    WebTestClient web;

    @Autowired
    Scheduler scheduler;

    @LocalServerPort
    int port;

    @Test
    void streamsTokensPerLaneThenStats() {
        List<ServerSentEvent<Map<String, Object>>> events = web.get()
                .uri("/api/think?question={q}&thinkers=3&mode=group&budget=12", "Tom had a red ball.")
                .exchange().expectStatus().isOk().returnResult(EVENT).getResponseBody()
                .collectList().block(Duration.ofSeconds(60));
        assertThat(events).isNotEmpty();
        ServerSentEvent<Map<String, Object>> last = events.get(events.size() - 1);
        assertThat(last.event()).isEqualTo("done");
        List<ServerSentEvent<Map<String, Object>>> tokens = events.stream().filter(e -> "token".equals(e.event())).toList();
        assertThat(tokens).hasSize(((Number) last.data().get("tokens")).intValue());
        assertThat(tokens.stream().map(e -> e.data().get("lane")).distinct()).contains(0, 1, 2);
        assertThat(((Number) last.data().get("decodeSteps")).intValue()).isPositive();
        assertThat(((Number) last.data().get("kvBytes")).longValue()).isPositive();
        assertThat((List<?>) last.data().get("lanes")).hasSize(3);
    }

    @Test
    void inRoundsEachRoundStartsThenStreamsThenSummarisesThenEnds() {
        List<ServerSentEvent<Map<String, Object>>> events = web.get()
                .uri("/api/think?question={q}&thinkers=2&mode=group&rounds=3&segment=6&summary=4&carry=2",
                        "Tom had a red ball.")
                .exchange().expectStatus().isOk().returnResult(EVENT).getResponseBody()
                .collectList().block(Duration.ofSeconds(60));
        assertThat(events).isNotEmpty();
        Map<String, Object> done = events.get(events.size() - 1).data();
        assertThat(events.get(events.size() - 1).event()).isEqualTo("done");
        int rounds = ((Number) done.get("rounds")).intValue();
        assertThat(rounds).isBetween(1, 3);

        List<String> shape = new java.util.ArrayList<>();
        for (ServerSentEvent<Map<String, Object>> e : events) {
            if (shape.isEmpty() || !shape.get(shape.size() - 1).equals(e.event())) {
                shape.add(e.event());
            }
        }
        List<String> expected = new java.util.ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            expected.addAll(List.of("round", "token", "summary-token", "summary", "round-end"));
        }
        expected.addAll(List.of("token", "done")); // the final answer, then the stats
        assertThat(shape).isEqualTo(expected);

        for (int r = 1; r <= rounds; r++) {
            int round = r;
            List<Map<String, Object>> segment = events.stream().filter(e -> "token".equals(e.event())
                    && Integer.valueOf(round).equals(e.data().get("round"))).map(ServerSentEvent::data).toList();
            assertThat(segment).as("round %d: at most S = 6 tokens per thinker", r).hasSizeBetween(1, 12);
            assertThat(segment.stream().map(t -> t.get("lane")).distinct()).containsExactlyInAnyOrder(0, 1);
            String written = events.stream().filter(e -> "summary-token".equals(e.event())
                    && Integer.valueOf(round).equals(e.data().get("round"))).map(e -> (String) e.data().get("text"))
                    .collect(java.util.stream.Collectors.joining());
            assertThat(events.stream().filter(e -> "summary".equals(e.event())
                    && Integer.valueOf(round).equals(e.data().get("round"))).map(e -> e.data().get("text")))
                    .as("round %d's summary is what its summary lane wrote", r).containsExactly(written.strip());
        }
        int kvTokens = ((Number) done.get("peakKvTokens")).intValue();
        assertThat(kvTokens).isPositive().isLessThanOrEqualTo(((Number) done.get("kvBound")).intValue());
        assertThat(((Number) done.get("summaryTokens")).intValue()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "question=              | question is empty",
            "question=q&thinkers=0  | thinkers must be between 1 and 8, got 0",
            "question=q&thinkers=1000 | thinkers must be between 1 and 8, got 1000",
            "question=q&thinkers=x  | parameter 'thinkers'",
            "question=q&budget=0    | budget must be at least 1 token, got 0",
            "question=q&mode=groupp | unknown mode 'groupp'",
            "thinkers=2             | question",
            "question=q&thinkers=8&budget=400 | but the model's context is 512",
            "question=q&rounds=0    | rounds (R) must be positive, got 0",
            "question=q&rounds=2&summary=0 | summary tokens (M) must be positive, got 0",
            "question=q&rounds=2&segment=4&carry=5 | carry tokens (m) must be between 0 and the segment's 4 tokens",
            "question=q&rounds=x    | parameter 'rounds'" })
    void aBadRequestIsA400WithAProblemBodyBeforeAnySession(String query, String detail) {
        long submitted = scheduler.stats().submitted();
        web.get().uri("/api/think?" + query).accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(400).jsonPath("$.detail").value(
                        (String d) -> assertThat(d).contains(detail));
        assertThat(scheduler.stats().submitted()).as("no session was submitted").isEqualTo(submitted);
    }

    @Test
    void aQuestionOverThePromptLimitIs413() throws IOException {
        String reply = rawGet("/api/think?question=" + "a".repeat(40_000));
        assertThat(reply).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("groupthink.limits.max-prompt-chars");
    }

    @Test
    void aFiveMegabyteUrlIs414NotAConnectionReset() throws IOException {
        String reply = rawGet("/api/think?question=" + "a".repeat(5_000_000));
        assertThat(reply).startsWith("HTTP/1.1 414").contains("application/problem+json")
                .contains("the URL is 5000020 characters");
    }

    /** A request written on a plain socket: the whole of it is sent before the reply is read. */
    private String rawGet(String target) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void closingTheStreamCancelsTheSessionAndFreesItsMemory() throws InterruptedException {
        long before = scheduler.stats().completed();
        List<ServerSentEvent<Map<String, Object>>> firstFew = web.get()
                .uri("/api/think?question={q}&thinkers=4&mode=group&budget=40&synthesize=false", "A long day.")
                .exchange().expectStatus().isOk().returnResult(EVENT).getResponseBody()
                .take(3).collectList().block(Duration.ofSeconds(60));
        assertThat(firstFew).hasSize(3).allMatch(e -> "token".equals(e.event()));
        long end = System.currentTimeMillis() + 20_000;
        EngineStats s = scheduler.stats();
        while (System.currentTimeMillis() < end && !(s.activeSessions() == 0 && s.kvTokensInUse() == 0
                && s.completed() > before)) {
            Thread.sleep(20);
            s = scheduler.stats();
        }
        assertThat(s.activeSessions()).as("session ended after the client went away").isZero();
        assertThat(s.kvTokensInUse()).isZero();
        assertThat(s.kvTokensReserved()).isZero();
    }

    @Test
    void describesTheModel() {
        web.get().uri("/api/model").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.modelType").isEqualTo("llama")
                .jsonPath("$.contextLength").isEqualTo(512)
                .jsonPath("$.defaultBudget").isEqualTo(40);
    }
}
