package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.session.SessionRegistry;

/** Shared assertions. */
public final class IntegrationSupport {

    private IntegrationSupport() {}

    /** Waits (bounded) until the engine runs nothing, holds no KV tokens, and Spring tracks no session. */
    public static void awaitIdle(Scheduler scheduler, SessionRegistry registry) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        EngineStats s = scheduler.stats();
        while (System.nanoTime() < deadline) {
            s = scheduler.stats();
            if (s.activeSessions() == 0 && s.queued() == 0 && s.kvTokensInUse() == 0 && s.kvTokensReserved() == 0
                    && registry.size() == 0) {
                return;
            }
            Thread.sleep(10);
        }
        assertThat(s.activeSessions()).as("active sessions").isZero();
        assertThat(s.queued()).as("queued sessions").isZero();
        assertThat(s.kvTokensInUse()).as("KV tokens in use").isZero();
        assertThat(registry.size()).as("live sessions").isZero();
    }
}
