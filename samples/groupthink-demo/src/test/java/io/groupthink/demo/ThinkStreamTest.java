package io.groupthink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
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
    void badOptionsArriveAsAFailureEvent() {
        List<ServerSentEvent<Map<String, Object>>> events = web.get().uri("/api/think?question=q&thinkers=9")
                .exchange().expectStatus().isOk().returnResult(EVENT).getResponseBody()
                .collectList().block(Duration.ofSeconds(30));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).event()).isEqualTo("failure");
        assertThat(events.get(0).data().get("message").toString()).contains("thinkers must be between 1 and 8, got 9");
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
