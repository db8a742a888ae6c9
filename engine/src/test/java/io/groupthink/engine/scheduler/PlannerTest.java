package io.groupthink.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The planner with no model: every decision from views alone. Each test drives a small simulated
 * engine (views in, plan applied to views) and ends with the engine empty, a leak check.
 */
class PlannerTest {

    static final long NOW = 1_000_000_000L;
    static final long LATER = NOW + Duration.ofSeconds(10).toNanos();

    /** A simulated engine: applies plans to views as the runner applies them to sessions. */
    static final class Sim {
        final Planner planner;
        final SchedulerOptions options;
        final List<SessionView> waiting = new ArrayList<>();
        final Map<Long, SessionView> running = new LinkedHashMap<>();
        final Map<Long, Integer> tokensLeft = new LinkedHashMap<>(); // decode steps to go
        final List<StepPlan> plans = new ArrayList<>();
        final List<Long> admittedOrder = new ArrayList<>();
        final List<Long> finished = new ArrayList<>();

        Sim(SchedulerOptions options) {
            this.options = options;
            this.planner = new Planner(options);
        }


        StepPlan step(long now) {
            StepPlan plan = planner.plan(List.copyOf(waiting), List.copyOf(running.values()), now);
            plans.add(plan);
            waiting.removeIf(w -> plan.dropped().contains(w.id()) || plan.expired().contains(w.id())
                    || plan.admitted().stream().anyMatch(a -> a.session() == w.id()));
            plan.retired().forEach(running::remove);
            for (int i = plan.preempted().size() - 1; i >= 0; i--) {
                SessionView p = running.remove(plan.preempted().get(i));
                waiting.add(0, new SessionView(p.id(), SessionStatus.WAITING, p.kvNeed(), 0, p.sharedPrompt(), 0,
                        p.promptTail(), p.lanesAlive(), false, false, p.deadlineNanos()));
            }
            for (StepPlan.Admission a : plan.admitted()) {
                SessionView w = find(a.session());
                running.put(w.id(), new SessionView(w.id(), SessionStatus.PREFILLING, w.kvNeed(), w.kvNeed(),
                        w.sharedPrompt(), a.borrowed(), w.promptTail(), w.lanesAlive(), false, false, w.deadlineNanos()));
                admittedOrder.add(w.id());
            }
            for (StepPlan.Chunk c : plan.prefill()) {
                SessionView v = running.get(c.session());
                int stored = c.last() ? v.sharedPrompt().length : v.sharedStored() + c.sharedTokens();
                running.put(v.id(), new SessionView(v.id(), c.last() ? SessionStatus.DECODING : SessionStatus.PREFILLING,
                        v.kvNeed(), v.kvGranted(), v.sharedPrompt(), stored, v.promptTail(), v.lanesAlive(), false,
                        false, v.deadlineNanos()));
            }
            for (long id : plan.decode()) {
                int left = tokensLeft.merge(id, -1, Integer::sum);
                if (left <= 0) {
                    running.put(id, running.get(id).withStatus(SessionStatus.FINISHED));
                    finished.add(id);
                }
            }
            return plan;
        }

        private SessionView find(long id) {
            return submittedViews.stream().filter(v -> v.id() == id).findFirst().orElseThrow();
        }

        final List<SessionView> submittedViews = new ArrayList<>();

        Sim add(SessionView v, int decodeSteps) {
            submittedViews.add(v);
            waiting.add(v);
            tokensLeft.put(v.id(), decodeSteps);
            return this;
        }

        long reserved() {
            return running.values().stream().mapToLong(SessionView::kvNeed).sum();
        }

        /** Runs until nothing is left; returns the steps taken. */
        int drain(long now) {
            int steps = 0;
            while (!waiting.isEmpty() || !running.isEmpty()) {
                step(now);
                assertThat(reserved()).as("reservations never exceed the budget").isLessThanOrEqualTo(options.kvTokens());
                if (++steps > 10_000) {
                    throw new AssertionError("the planner made no progress");
                }
            }
            return steps;
        }

        void assertEmpty() {
            assertThat(waiting).as("queue").isEmpty();
            assertThat(running).as("running").isEmpty();
            assertThat(reserved()).isZero();
        }
    }

    static int[] prompt(int length, int seed) {
        return IntStream.range(0, length).map(i -> seed * 1000 + i).toArray();
    }

    static SessionView waiting(long id, int kv, int[] prompt) {
        return SessionView.waiting(id, kv, prompt, 2, LATER);
    }

    Sim sim;

    @AfterEach
    void engineIsEmpty() {
        if (sim != null) {
            sim.drain(NOW);
            sim.assertEmpty();
        }
    }

    @Test
    void admitsInQueueOrderWithinTheKvBudgetAndNeverOvertakes() {
        sim = new Sim(new SchedulerOptions(100, 8, Duration.ofSeconds(30), 1000));
        sim.add(waiting(1, 60, prompt(5, 1)), 3).add(waiting(2, 50, prompt(5, 2)), 3).add(waiting(3, 10, prompt(5, 3)), 3);
        StepPlan first = sim.step(NOW);
        assertThat(first.admitted()).extracting(StepPlan.Admission::session)
                .as("2 does not fit; 3 would, but may not overtake it").containsExactly(1L);
        while (sim.running.containsKey(1L)) {
            sim.step(NOW);
        }
        assertThat(sim.admittedOrder).containsExactly(1L, 2L, 3L);
    }

    @Test
    void theFirstNewcomerIsAdmittedWhateverItsPromptAndLaterOnesStopAtThePromptBudget() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 32));
        sim.add(waiting(1, 100, prompt(50, 1)), 2).add(waiting(2, 100, prompt(10, 2)), 2);
        StepPlan first = sim.step(NOW);
        assertThat(first.admitted()).extracting(StepPlan.Admission::session).containsExactly(1L);
        assertThat(first.prefill()).containsExactly(new StepPlan.Chunk(1, 32, false));
    }

    @Test
    void aLongPromptIsPrefilledInChunksOfTheBudgetAndDecodingSessionsStepEveryTime() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 16));
        sim.add(waiting(1, 100, prompt(4, 1)), 50);
        sim.step(NOW); // 1 stored whole in one chunk
        assertThat(sim.running.get(1L).status()).isEqualTo(SessionStatus.DECODING);
        sim.add(waiting(2, 200, prompt(40, 2)), 5);
        List<StepPlan.Chunk> chunks = new ArrayList<>();
        while (sim.running.getOrDefault(2L, sim.running.get(1L)).status() != SessionStatus.DECODING
                || !sim.running.containsKey(2L)) {
            StepPlan p = sim.step(NOW);
            assertThat(p.decode()).as("fairness: the decoding session steps while the other prefills").contains(1L);
            chunks.addAll(p.prefill());
            int promptRows = p.prefill().stream().mapToInt(c -> c.last() ? c.sharedTokens() + 2 : c.sharedTokens()).sum();
            assertThat(promptRows).isLessThanOrEqualTo(16);
        }
        assertThat(chunks).containsExactly(new StepPlan.Chunk(2, 16, false), new StepPlan.Chunk(2, 16, false),
                new StepPlan.Chunk(2, 8, true));
    }

    @Test
    void promptBudgetGoesToTheOldestPrefillFirst() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 20));
        sim.add(waiting(1, 100, prompt(30, 1)), 2);
        sim.step(NOW); // chunk of 20
        sim.add(waiting(2, 100, prompt(6, 2)), 2);
        StepPlan p = sim.step(NOW);
        assertThat(p.prefill()).containsExactly(new StepPlan.Chunk(1, 10, true), new StepPlan.Chunk(2, 6, true));
    }

    @Test
    void aNewcomerBorrowsTheLongestStoredCommonPrefixButNeverItsLastToken() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 1000));
        int[] base = prompt(40, 7);
        sim.add(waiting(1, 100, base), 30);
        sim.step(NOW);
        int[] longer = IntStream.concat(IntStream.of(base), IntStream.of(1, 2, 3)).toArray();
        int[] same = base.clone();
        int[] shortShare = IntStream.concat(IntStream.of(prompt(10, 7)), IntStream.of(prompt(30, 8))).toArray();
        sim.add(waiting(2, 100, longer), 2);
        StepPlan p = sim.step(NOW);
        assertThat(p.admitted()).containsExactly(new StepPlan.Admission(2, 1, 40));
        sim.add(waiting(3, 100, same), 2);
        p = sim.step(NOW);
        assertThat(p.admitted()).as("the last prompt token is always computed").containsExactly(new StepPlan.Admission(3, 1, 39));
        sim.add(waiting(4, 100, shortShare), 2);
        p = sim.step(NOW);
        assertThat(p.admitted()).as("10 common tokens are below the minimum").containsExactly(new StepPlan.Admission(4, 0, 0));
        assertThat(p.prefill()).containsExactly(new StepPlan.Chunk(4, 40, true));
    }

    @Test
    void aNewcomerSharingMoreWithAnotherNewcomerWaitsOneStepToBorrowIt() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 1000));
        int[] p = prompt(40, 3);
        sim.add(waiting(1, 100, p), 5).add(waiting(2, 100, p.clone()), 5);
        StepPlan first = sim.step(NOW);
        assertThat(first.admitted()).extracting(StepPlan.Admission::session).containsExactly(1L);
        StepPlan second = sim.step(NOW);
        assertThat(second.admitted()).containsExactly(new StepPlan.Admission(2, 1, 39));
        assertThat(second.prefill()).containsExactly(new StepPlan.Chunk(2, 1, true));
    }

    @Test
    void prefixSharingOffBorrowsNothing() {
        sim = new Sim(new SchedulerOptions(10_000, 8, Duration.ofSeconds(30), 1000).withPrefixSharing(false));
        int[] p = prompt(40, 3);
        sim.add(waiting(1, 100, p), 5).add(waiting(2, 100, p.clone()), 5);
        StepPlan first = sim.step(NOW);
        assertThat(first.admitted()).extracting(StepPlan.Admission::borrowed).containsExactly(0, 0);
    }

    @Test
    void cancelledAndTimedOutWaitersLeaveTheQueueAndRunningCancellationsAndFaultsRetire() {
        sim = new Sim(new SchedulerOptions(100, 8, Duration.ofSeconds(30), 1000));
        sim.add(waiting(1, 100, prompt(5, 1)), 100);
        sim.step(NOW);
        sim.add(waiting(2, 50, prompt(5, 2)).cancelled(), 1);
        sim.add(SessionView.waiting(3, 50, prompt(5, 3), 2, NOW + 5), 1); // a short deadline
        sim.add(waiting(4, 50, prompt(5, 4)).withFault(), 1);
        StepPlan p = sim.step(NOW + 10);
        assertThat(p.dropped()).containsExactly(2L, 4L);
        assertThat(p.expired()).containsExactly(3L);
        assertThat(p.admitted()).isEmpty();
        sim.running.put(1L, sim.running.get(1L).cancelled());
        p = sim.step(NOW);
        assertThat(p.cancelled()).containsExactly(1L);
        assertThat(p.retired()).containsExactly(1L);
        assertThat(p.decode()).isEmpty();

        sim.add(waiting(5, 10, prompt(5, 5)), 100);
        sim.step(NOW);
        sim.running.put(5L, sim.running.get(5L).withFault());
        p = sim.step(NOW);
        assertThat(p.failed()).containsExactly(5L);
        assertThat(p.retired()).containsExactly(5L);
    }

    @Test
    void aShrinkingKvNeedAdmitsTheNextSessionAtOnce() {
        sim = new Sim(new SchedulerOptions(100, 8, Duration.ofSeconds(30), 1000));
        sim.add(waiting(1, 80, prompt(5, 1)), 100).add(waiting(2, 50, prompt(5, 2)), 1);
        assertThat(sim.step(NOW).admitted()).hasSize(1);
        assertThat(sim.step(NOW).admitted()).isEmpty();
        sim.running.put(1L, sim.running.get(1L).withKvNeed(40)); // released slots at a boundary
        assertThat(sim.step(NOW).admitted()).extracting(StepPlan.Admission::session).containsExactly(2L);
        sim.tokensLeft.put(1L, 1);
    }

    @Test
    void growthPreemptsTheYoungestPrefillingSessionAndReadmitsItFirst() {
        sim = new Sim(new SchedulerOptions(100, 8, Duration.ofSeconds(30), 10));
        sim.add(waiting(1, 40, prompt(4, 1)), 20);
        sim.step(NOW); // 1 decoding
        sim.add(waiting(2, 30, prompt(100, 2)), 2).add(waiting(3, 30, prompt(100, 3)), 2);
        sim.step(NOW); // 2 admitted, 3 waits for the prompt budget
        sim.step(NOW); // 3 admitted; both prefill in chunks
        assertThat(sim.running.keySet()).containsExactly(1L, 2L, 3L);
        sim.running.put(1L, sim.running.get(1L).withKvNeed(60)); // 1 grew by 20: 120 > 100
        StepPlan p = sim.step(NOW);
        assertThat(p.preempted()).as("the youngest prefill goes back").containsExactly(3L);
        assertThat(p.decode()).contains(1L);
        assertThat(p.stalled()).isEmpty();
        assertThat(sim.waiting.get(0).id()).isEqualTo(3L);
        assertThat(sim.waiting.get(0).sharedStored()).as("it recomputes its prompt").isZero();
    }

    @Test
    void growthThatPreemptionCannotCoverStallsTheGrownSession() {
        sim = new Sim(new SchedulerOptions(100, 8, Duration.ofSeconds(30), 1000));
        sim.add(waiting(1, 50, prompt(4, 1)), 5).add(waiting(2, 50, prompt(4, 2)), 5);
        sim.step(NOW);
        sim.running.put(2L, sim.running.get(2L).withKvNeed(70)); // both decoding: nothing to preempt
        StepPlan p = sim.step(NOW);
        assertThat(p.preempted()).isEmpty();
        assertThat(p.stalled()).containsExactly(2L);
        assertThat(p.decode()).containsExactly(1L);
        while (sim.running.containsKey(1L)) {
            sim.step(NOW);
        }
        p = sim.step(NOW);
        assertThat(p.stalled()).as("room freed: it runs again").isEmpty();
        assertThat(p.decode()).containsExactly(2L);
        sim.running.put(2L, sim.running.get(2L).withKvNeed(50)); // keep the leak check's budget assertion honest
    }

    @Test
    void aHundredRandomSessionsAllFinishWithinTheBudget() {
        sim = new Sim(new SchedulerOptions(500, 200, Duration.ofSeconds(30), 48));
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (long id = 1; id <= 100; id++) {
            int[] p = r.nextBoolean() ? prompt(20 + r.nextInt(60), 9) : prompt(1 + r.nextInt(80), (int) id);
            sim.add(waiting(id, p.length + 2 + r.nextInt(200), p), 1 + r.nextInt(30));
        }
        sim.drain(NOW);
        assertThat(sim.finished).hasSize(100);
        assertThat(sim.admittedOrder).as("FIFO").isSorted();
        assertThat(sim.plans.stream().mapToLong(p -> p.admitted().stream().filter(a -> a.borrowed() > 0).count()).sum())
                .as("sessions with a common prompt borrowed it").isPositive();
    }
}
