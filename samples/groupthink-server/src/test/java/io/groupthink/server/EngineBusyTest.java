package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.sampling.SamplingOptions;
import io.groupthink.engine.scheduler.SessionHandle;
import io.groupthink.engine.scheduler.SessionStatus;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
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
    void aSecondSessionThatDoesNotFitGets429WithRetryAfter() throws Exception {
        // A session straight on the engine holds nearly the whole budget: its stop tokens are replaced and
        // each step waits a little, so it is still running when the requests come (an HTTP stream of the
        // tiny model can end its story and free the budget first).
        StepHook slowAndEndless = new StepHook() {
            @Override
            public void logits(int lane, int index, float[] logits) {
                // parkNanos may return at once (a permit left by the kernel's thread pool, which unparks
                // the engine thread it ran products for): wait out the whole 5 ms
                long until = System.nanoTime() + 5_000_000;
                for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
            }

            @Override
            public int override(int lane, int index, int sampled) {
                return model.stopIds().contains(sampled) ? 300 : sampled;
            }
        };
        int[] prompt = model.tokenizer().encode(QUESTION, true);
        SessionHandle holder = scheduler.submit(model.newPlainSession(prompt, 480, SamplingOptions.GREEDY,
                List.of(), 0, SessionListener.NONE, slowAndEndless));
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            // decoding (between two passes it is CHOOSING, while its hook waits on a pool thread), and its
            // reservation published: a request checks the budget against what the engine last published, and
            // a session turns DECODING inside the step, before the step's figures are out
            while (!(decoding(holder.status()) && scheduler.stats().kvTokensReserved() > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(holder.status()).matches(EngineBusyTest::decoding);
            for (boolean stream : new boolean[] {false, true}) {
                post(stream).expectStatus().isEqualTo(429)
                        .expectHeader().valueEquals("Retry-After", "1")
                        .expectBody()
                        .jsonPath("$.error.type").isEqualTo("rate_limit_error")
                        .jsonPath("$.error.code").isEqualTo("engine_busy")
                        .jsonPath("$.error.message").value(m -> assertThat((String) m).contains("groupthink.engine"));
            }
            assertThat(holder.status()).as("the holder ran throughout").matches(EngineBusyTest::decoding);
        } finally {
            holder.cancel();
        }
    }

    private static boolean decoding(SessionStatus s) {
        return s == SessionStatus.DECODING || s == SessionStatus.CHOOSING;
    }
}
