package io.groupthink.server;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A full engine answers 429 with {@code Retry-After}, whole or streamed: here the KV budget holds
 * one long session and nothing may queue, so a second session while the first runs is refused.
 */
@AutoConfigureWebTestClient(timeout = "120s")
@TestPropertySource(properties = {"groupthink.engine.kv-tokens=500", "groupthink.engine.max-queue=0"})
class EngineBusyTest extends ServerTestBase {

    @Autowired
    WebTestClient web;

    private WebTestClient.ResponseSpec post(boolean stream) {
        return web.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header("Authorization", "Bearer " + KEY)
                .bodyValue("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION
                        + "\"}],\"max_tokens\":480,\"stream\":" + stream + "}")
                .exchange();
    }

    @Test
    void aSecondSessionThatDoesNotFitGets429WithRetryAfter() {
        // The first session holds nearly the whole budget while it streams.
        // (Cancelling a stream would end its session, so one subscriber keeps it open throughout.)
        Flux<String> first = post(true).expectStatus().isOk().returnResult(String.class).getResponseBody().cache();
        Disposable holder = first.subscribe();
        first.take(2).blockLast(Duration.ofSeconds(60));
        try {
            for (boolean stream : new boolean[] {false, true}) {
                post(stream).expectStatus().isEqualTo(429)
                        .expectHeader().valueEquals("Retry-After", "1")
                        .expectBody()
                        .jsonPath("$.error.type").isEqualTo("rate_limit_error")
                        .jsonPath("$.error.code").isEqualTo("engine_busy")
                        .jsonPath("$.error.message").value(m -> org.assertj.core.api.Assertions.assertThat((String) m)
                                .contains("groupthink.engine"));
            }
        } finally {
            holder.dispose();
        }
    }
}
