package io.groupthink.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import io.groupthink.engine.scheduler.EngineClosedException;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.engine.scheduler.SessionHandle;
import io.groupthink.engine.scheduler.SessionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;

/** Closing the context with 8 sessions in flight: readiness first, then a bounded drain, then "shutting down". */
class EngineShutdownTests {

    @Test
    void closingTheContextDrainsRunningSessionsWithinTheDrainTime() throws Exception {
        AtomicReference<Scheduler> engine = new AtomicReference<>();
        AtomicReference<GroupThinkModel> model = new AtomicReference<>();
        AtomicBoolean acceptingWhenReadinessWentDown = new AtomicBoolean();
        AtomicBoolean readinessDown = new AtomicBoolean();
        List<SessionHandle> quick = new ArrayList<>();
        List<SessionHandle> slow = new ArrayList<>();
        long[] closeStarted = new long[1];
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(GroupThinkAutoConfiguration.class,
                        ApplicationAvailabilityAutoConfiguration.class))
                .withPropertyValues(TestModels.storiesProperties())
                .withPropertyValues("groupthink.model.linear=torch") // its own model: LibTorch, no spinning kernel threads
                .withPropertyValues("groupthink.engine.drain-time=3s")
                .withBean("readinessWatch", ApplicationListener.class,
                        () -> (ApplicationListener<AvailabilityChangeEvent<?>>) e -> {
                            if (e.getState() == ReadinessState.REFUSING_TRAFFIC) {
                                readinessDown.set(true);
                                acceptingWhenReadinessWentDown.set(engine.get().accepting());
                            }
                        })
                .run(ctx -> {
                    engine.set(ctx.getBean(Scheduler.class));
                    GroupThinkModel m = ctx.getBean(GroupThinkModel.class);
                    model.set(m);
                    CountDownLatch started = new CountDownLatch(8);
                    SessionListener tick = new SessionListener() {
                        @Override
                        public void onToken(ThinkerEvent e) {
                            if (e.step() == 0) {
                                started.countDown();
                            }
                        }
                    };
                    for (int i = 0; i < 4; i++) {
                        quick.add(engine.get().submit(m.newSession(request(8), tick, heldUntil(readinessDown))));
                        slow.add(engine.get().submit(m.newSession(request(400), tick, steady(10))));
                    }
                    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
                    closeStarted[0] = System.nanoTime();
                });
        double closeMillis = (System.nanoTime() - closeStarted[0]) / 1e6;
        assertThat(readinessDown).isTrue();
        assertThat(acceptingWhenReadinessWentDown).as("readiness goes DOWN before the engine refuses work").isTrue();
        for (SessionHandle h : quick) {
            assertThat(h.result().get(1, TimeUnit.SECONDS).thinkers()).hasSize(1);
            assertThat(h.status()).isEqualTo(SessionStatus.FINISHED);
        }
        for (SessionHandle h : slow) {
            assertThat(h.status()).isEqualTo(SessionStatus.FAILED);
            try {
                h.result().get(1, TimeUnit.SECONDS);
                throw new AssertionError("a 400-token session at 10 ms a token finished inside a 3 s drain");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(EngineClosedException.class).hasMessageContaining("shutting down");
            }
        }
        // hooks run off the engine thread, each session's in parallel: a step is about 10 ms; two seconds of
        // slack cover a loaded machine
        assertThat(closeMillis).as("close took %.0f ms", closeMillis).isLessThan(3000 + 2000);
        assertThat(engine.get().stats().alive()).isFalse();
        assertThat(model.get().isClosed()).as("the context's model is closed after the drain").isTrue();
        model.get().close(); // closing again is a no-op: every native resource is freed once
    }

    static GroupThinkRequest request(int tokens) {
        return GroupThinkRequest.builder("Tom had a red ball.").thinkers(1).mode(Mode.COT).layout(Layout.SLOTTED)
                .maxTokens(tokens).template(TestModels.SHORT).build();
    }

    /** Still running when the drain begins (it waits for readiness to go DOWN), then quick to finish. */
    static StepHook heldUntil(AtomicBoolean drainBegan) {
        return new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                while (index >= 3 && !drainBegan.get()) { // by step 3 every session has shown its first token
                    try {
                        Thread.sleep(1); // on a pool thread of its own: four spinning hooks would starve the engine
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                return sampled <= 2 ? 7 : sampled;
            }
        };
    }

    /** Never stops early, and takes {@code millis} per token, so a session's length is known. */
    static StepHook steady(int millis) {
        return new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                if (millis > 0) {
                    try {
                        Thread.sleep(millis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return sampled <= 2 ? 7 : sampled;
            }
        };
    }
}
