package io.groupthink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.train.ShippedModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The page's "in rounds" run on the model the demo ships with (offline), at the demo's own
 * defaults: the round options it offers fit the model, and every round reaches the page.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "120s")
class ShippedModelRoundsTest {

    static final ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>> EVENT =
            new ParameterizedTypeReference<>() {};

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        Assumptions.assumeTrue(ShippedModel.available(), "this build does not contain the shipped model");
        registry.add("groupthink.model.path", () -> ShippedModel.path().toString());
    }

    @Autowired
    WebTestClient web;

    @Test
    @SuppressWarnings("unchecked")
    void theDemosDefaultRoundsRunOnTheShippedModel() {
        Map<String, Object> model = web.get().uri("/api/model").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {}).returnResult().getResponseBody();
        Map<String, Object> defaults = (Map<String, Object>) model.get("rounds");
        assertThat(defaults).containsEntry("rounds", 3).containsEntry("segmentTokens", 48)
                .containsEntry("summaryTokens", 48);

        // What the page sends with "in rounds" ticked and nothing else changed.
        List<ServerSentEvent<Map<String, Object>>> events = web.get()
                .uri("/api/think?question={q}&thinkers=4&mode=group&budget={b}&synthesize=true&rounds={r}"
                        + "&segment={s}&summary={m}&carry={c}", ShippedModel.DEFAULT_QUESTION,
                        model.get("defaultBudget"), defaults.get("rounds"), defaults.get("segmentTokens"),
                        defaults.get("summaryTokens"), defaults.get("carryTokens"))
                .exchange().expectStatus().isOk().returnResult(EVENT).getResponseBody()
                .collectList().block(Duration.ofSeconds(120));

        assertThat(events).extracting(ServerSentEvent::event).doesNotContain("failure").endsWith("done");
        int rounds = ((Number) events.get(events.size() - 1).data().get("rounds")).intValue();
        assertThat(events.stream().filter(e -> "round".equals(e.event()))).hasSize(rounds);
        assertThat(events.stream().filter(e -> "summary".equals(e.event()))).hasSize(rounds);
        assertThat(events.stream().filter(e -> "round-end".equals(e.event()))).hasSize(rounds);
        String firstRound = events.stream().filter(e -> "token".equals(e.event())
                && Integer.valueOf(1).equals(e.data().get("round"))).map(e -> (String) e.data().get("text"))
                .reduce("", String::concat);
        assertThat(firstRound).as("the thinkers list fruits in round 1").contains(",");
    }
}
