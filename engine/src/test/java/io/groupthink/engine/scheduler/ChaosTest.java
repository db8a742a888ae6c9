package io.groupthink.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's chaos test: 64 sessions from 4 threads with random cancels, caller timeouts, hooks,
 * listeners and future dependants that throw (exceptions and Errors), and slow or stuck consumers.
 * Every session ends with a defined outcome, every healthy one with its solo tokens, the engine
 * ends empty and still serves.
 */
class ChaosTest {

    enum Fault { NONE, CANCEL, TIMEOUT, HOOK_EXCEPTION, HOOK_ERROR, LISTENER_EXCEPTION, LISTENER_ERROR,
        DEPENDANT_THROWS, SLOW_CONSUMER, STUCK_CONSUMER }

    static final List<GroupThinkRequest> REQUESTS = List.of(
            request("Tom had a red ball.", 2, 16, Mode.GROUP_THINK, Layout.SLOTTED),
            request("Lily saw a big dog.", 3, 12, Mode.GROUP_THINK, Layout.INTERLEAVED),
            request("The sun was hot.", 2, 14, Mode.INDEPENDENT, Layout.SLOTTED),
            request("Once upon a time", 1, 20, Mode.COT, Layout.SLOTTED));
    /**
     * A slow consumer's request: 1 x 20 token events and one lane end, within the event buffer of
     * 32, so however far behind the engine it falls it must finish (a 3 x 12 request did not
     * when the engine outran a consumer taking 2 ms a token).
     */
    static final GroupThinkRequest FEW_EVENTS = REQUESTS.get(3);
    /** A stuck consumer's request: 4 x 16 token events, more than the event buffer of 32. */
    static final GroupThinkRequest MANY_EVENTS = request("Sam and Sue played.", 4, 16, Mode.GROUP_THINK, Layout.SLOTTED);

    static GroupThinkRequest request(String q, int n, int k, Mode mode, Layout layout) {
        return GroupThinkRequest.builder(q).thinkers(n).maxTokens(k).mode(mode).layout(layout)
                .template(SchedulerTest.SHORT).build();
    }

    record Outcome(Fault fault, GroupThinkRequest request, SessionHandle handle, GroupThinkResult result,
            Throwable error) {}

    @Test
    void sixtyFourSessionsWithFaultsEndDefinedAndHealthyOnesMatchTheirSoloRun() throws Exception {
        long t0 = System.nanoTime();
        GroupThinkModel model = TestModels.load(TestModels.stories()); // shared by the JVM's tests: not closed here
        {
            List<GroupThinkResult> solo = new ArrayList<>();
            for (GroupThinkRequest r : REQUESTS) {
                solo.add(model.think(r));
            }
            SchedulerOptions options = new SchedulerOptions(1500, 64, Duration.ofSeconds(60), 256).withEventBuffer(32);
            try (Scheduler engine = new Scheduler(model, options, null)) {
                ExecutorService callers = Executors.newFixedThreadPool(4);
                List<Future<Outcome>> futures = new ArrayList<>();
                SplittableRandom random = new SplittableRandom(14);
                Fault[] faults = Fault.values();
                for (int i = 0; i < 64; i++) {
                    Fault fault = i < faults.length ? faults[i] : faults[random.nextInt(faults.length)];
                    GroupThinkRequest request = fault == Fault.STUCK_CONSUMER ? MANY_EVENTS
                            : fault == Fault.SLOW_CONSUMER ? FEW_EVENTS
                            : REQUESTS.get(random.nextInt(REQUESTS.size()));
                    long seed = random.nextLong();
                    futures.add(callers.submit(() -> run(model, engine, request, fault, new SplittableRandom(seed))));
                }
                Map<Fault, Integer> seen = new EnumMap<>(Fault.class);
                for (Future<Outcome> f : futures) {
                    Outcome o = f.get(2, TimeUnit.MINUTES);
                    seen.merge(o.fault(), 1, Integer::sum);
                    check(o, o.request() == MANY_EVENTS ? null : solo.get(REQUESTS.indexOf(o.request())));
                }
                callers.shutdown();
                assertThat(seen.keySet()).as("every kind of fault ran").containsExactlyInAnyOrder(faults);
                SchedulerTest.awaitIdle(engine);
                EngineStats stats = engine.stats();
                assertThat(stats.activeSessions()).isZero();
                assertThat(stats.queued()).isZero();
                assertThat(stats.kvTokensInUse()).isZero();
                assertThat(stats.kvTokensReserved()).isZero();
                assertThat(stats.alive()).isTrue();
                SchedulerTest.assertSameTokens(engine.submit(model.newSession(REQUESTS.get(0), null, null)).await(),
                        solo.get(0), "after the chaos");
            }
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
    }

    static Outcome run(GroupThinkModel model, Scheduler engine, GroupThinkRequest request, Fault fault,
            SplittableRandom random) throws Exception {
        int failAt = random.nextInt(1, 8);
        StepHook hook = switch (fault) {
            case HOOK_EXCEPTION, HOOK_ERROR -> new StepHook() {
                @Override
                public void logits(int lane, int index, float[] logits) {
                    if (index == failAt && fault == Fault.HOOK_ERROR) {
                        throw new LinkageError("hook error");
                    }
                    if (index == failAt) {
                        throw new IllegalStateException("hook");
                    }
                }
            };
            default -> null;
        };
        SessionListener listener = switch (fault) {
            case LISTENER_EXCEPTION, LISTENER_ERROR -> new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    if (e.step() == failAt && fault == Fault.LISTENER_ERROR) {
                        throw new AssertionError("listener error");
                    }
                    if (e.step() == failAt) {
                        throw new IllegalArgumentException("listener");
                    }
                }
            };
            case SLOW_CONSUMER -> new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    sleep(2);
                }
            };
            case STUCK_CONSUMER -> new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    sleep(1500);
                }
            };
            default -> null;
        };
        SessionHandle h = engine.submit(model.newSession(request, listener, hook));
        if (fault == Fault.DEPENDANT_THROWS) {
            h.result().thenAccept(r -> {
                throw new OutOfMemoryError("a dependant's own failure");
            });
        }
        if (fault == Fault.CANCEL) {
            sleep(random.nextInt(0, 40));
            h.cancel();
        }
        if (fault == Fault.TIMEOUT) {
            try {
                h.result().get(random.nextInt(1, 60), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                h.cancel(); // a caller's timeout cancels the engine session, not just its wait
            } catch (Exception ignored) {
                // judged below
            }
        }
        try {
            return new Outcome(fault, request, h, h.result().get(2, TimeUnit.MINUTES), null);
        } catch (java.util.concurrent.ExecutionException e) {
            return new Outcome(fault, request, h, null, e.getCause());
        } catch (CancellationException e) {
            return new Outcome(fault, request, h, null, e);
        }
    }

    static void check(Outcome o, GroupThinkResult solo) {
        SessionStatus status = o.handle().status();
        assertThat(status.terminal()).as("%s ends", o.fault()).isTrue();
        switch (o.fault()) {
            case NONE, SLOW_CONSUMER, DEPENDANT_THROWS -> {
                assertThat(status).isEqualTo(SessionStatus.FINISHED);
                SchedulerTest.assertSameTokens(o.result(), solo, o.fault().toString());
            }
            case CANCEL, TIMEOUT -> {
                if (status == SessionStatus.FINISHED) {
                    SchedulerTest.assertSameTokens(o.result(), solo, o.fault() + " too late to matter");
                } else if (o.result() != null) { // cancelled while running: a prefix of the solo run
                    assertThat(status).isEqualTo(SessionStatus.CANCELLED);
                    for (int n = 0; n < solo.thinkers().size(); n++) {
                        int[] got = o.result().thinkers().get(n).tokens();
                        assertThat(solo.thinkers().get(n).tokens()).startsWith(got);
                    }
                } else {
                    assertThat(o.error()).as("cancelled while queued").isInstanceOf(CancellationException.class);
                }
            }
            case HOOK_EXCEPTION, HOOK_ERROR, LISTENER_EXCEPTION, LISTENER_ERROR -> {
                if (o.error() == null) { // the failing step came after the session had ended
                    assertThat(status).isEqualTo(SessionStatus.FINISHED);
                    SchedulerTest.assertSameTokens(o.result(), solo, o.fault().toString());
                } else {
                    assertThat(status).as("%s: %s", o.fault(), o.error()).isEqualTo(SessionStatus.FAILED);
                    assertThat(o.error()).hasMessageContaining(switch (o.fault()) {
                        case HOOK_EXCEPTION -> "hook";
                        case HOOK_ERROR -> "hook error";
                        case LISTENER_EXCEPTION -> "listener";
                        default -> "listener error";
                    });
                }
            }
            case STUCK_CONSUMER -> {
                assertThat(status).isEqualTo(SessionStatus.CANCELLED);
                assertThat(o.error()).isInstanceOf(SlowConsumerException.class);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
