package io.groupthink.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.TestModels;
import io.groupthink.engine.groupthink.FinishReason;
import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.Layout;
import io.groupthink.engine.groupthink.Mode;
import io.groupthink.engine.groupthink.PromptTemplate;
import io.groupthink.engine.groupthink.SessionListener;
import io.groupthink.engine.groupthink.StepHook;
import io.groupthink.engine.groupthink.ThinkerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchedulerTest {

    static final PromptTemplate SHORT = new PromptTemplate("We are {count} friends.", "A story.",
            "{question} I am friend {id}.{role}", " I {role}.", "F{id}:", " The end:");
    final GroupThinkModel model = TestModels.load(TestModels.stories());
    /** A random model with a 4096-token context, for sessions longer than stories260K's 512. */
    final GroupThinkModel wide = TestModels.load(TestModels.random(new io.groupthink.engine.model.RandomModel.Spec(
            "llama", 64, 160, 2, 8, 2, 8, 300, 4096, false, io.groupthink.engine.model.DType.F32, 1, 42, false)));

    GroupThinkRequest request(String q, int n, int k, Mode mode, Layout layout) {
        return GroupThinkRequest.builder(q).thinkers(n).maxTokens(k).mode(mode).layout(layout).template(SHORT).build();
    }

    List<GroupThinkRequest> mixed() {
        return List.of(
                request("Tom had a red ball.", 4, 24, Mode.GROUP_THINK, Layout.SLOTTED),
                request("Lily saw a big dog.", 2, 30, Mode.GROUP_THINK, Layout.INTERLEAVED),
                request("The sun was hot.", 3, 20, Mode.INDEPENDENT, Layout.SLOTTED),
                request("Once upon a time", 1, 40, Mode.COT, Layout.SLOTTED),
                request("Sam and Sue played.", 8, 12, Mode.GROUP_THINK, Layout.SLOTTED),
                request("A bird sang.", 1, 16, Mode.GROUP_THINK, Layout.SLOTTED),
                request("Max found a box.", 2, 28, Mode.INDEPENDENT, Layout.INTERLEAVED),
                request("It was a rainy day.", 5, 18, Mode.GROUP_THINK, Layout.INTERLEAVED));
    }

    @Test
    void batchingChangesNothing() {
        List<GroupThinkResult> alone = new ArrayList<>();
        for (GroupThinkRequest r : mixed()) {
            alone.add(model.think(r));
        }
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(8192, 16, Duration.ofSeconds(60), 4096), null)) {
            List<SessionHandle> handles = new ArrayList<>();
            for (GroupThinkRequest r : mixed()) {
                handles.add(scheduler.submit(model.newSession(r, null, null)));
            }
            for (int i = 0; i < handles.size(); i++) {
                assertSameTokens(handles.get(i).await(), alone.get(i), "session " + i);
            }
            assertThat(scheduler.stats().steps()).as("sessions shared steps").isLessThan(
                    alone.stream().mapToLong(r -> r.decodeSteps() + 1).sum());
            awaitIdle(scheduler);
        }
    }

    @Test
    void longPromptsArePrefilledInChunksAndDecodeExactlyAsWhole() {
        List<GroupThinkResult> alone = new ArrayList<>();
        for (GroupThinkRequest r : mixed()) {
            alone.add(model.think(r));
        }
        int budget = 7;
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(8192, 16, Duration.ofSeconds(60), budget),
                null)) {
            List<SessionHandle> handles = new ArrayList<>();
            for (GroupThinkRequest r : mixed()) {
                handles.add(scheduler.submit(model.newSession(r, null, null)));
            }
            for (int i = 0; i < handles.size(); i++) {
                GroupThinkResult chunked = handles.get(i).await();
                assertSameTokens(chunked, alone.get(i), "session " + i);
                int prefillPasses = chunked.stepMillis().size() - chunked.decodeSteps();
                assertThat(prefillPasses).as("session %d: %d prompt tokens, %d per step", i, chunked.promptTokens(), budget)
                        .isGreaterThan(1);
                assertThat(chunked.decodeSteps()).isEqualTo(alone.get(i).decodeSteps());
            }
            awaitIdle(scheduler);
        }
    }

    @Test
    void aLongPromptArrivingDelaysRunningSessionsByOneChunkAtMost() throws Exception {
        int budget = 16;
        List<Integer> rowsPerStep = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger stepsSeen = new java.util.concurrent.atomic.AtomicInteger();
        EngineListener rows = new EngineListener() {
            @Override
            public void onStep(int batchRows, int sessions, double millis) {
                rowsPerStep.add(batchRows);
                stepsSeen.incrementAndGet();
            }
        };
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(8192, 16, Duration.ofSeconds(60), budget),
                rows)) {
            CountDownLatch decoding = new CountDownLatch(1);
            SessionListener started = new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    decoding.countDown();
                }
            };
            SessionHandle running = scheduler.submit(model.newSession(request("Tom had a red ball.", 3, 60,
                    Mode.GROUP_THINK, Layout.SLOTTED), started, noStop(0)));
            assertThat(decoding.await(30, TimeUnit.SECONDS)).isTrue();
            // step events reach listeners in order but off the engine thread: once a third step is heard,
            // the running session's prompt step has been heard too, and clearing drops it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (stepsSeen.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            rowsPerStep.clear(); // from here on, steps hold the running session's lanes and the new prompt
            String story = String.join(" ", java.util.Collections.nCopies(12,
                    "Once upon a time there was a little girl named Lily who liked to play."));
            SessionHandle longPrompt = scheduler.submit(model.newPlainSession(story, 4,
                    io.groupthink.engine.sampling.SamplingOptions.GREEDY, List.of(), 0, SessionListener.NONE, noStop(0)));
            GroupThinkResult r = longPrompt.await();
            running.await();
            assertThat(r.promptTokens()).isGreaterThan(10 * budget);
            assertThat(r.stepMillis().size() - r.decodeSteps()).as("prefill passes").isGreaterThanOrEqualTo(
                    r.promptTokens() / budget);
            // the running session's 3 lanes plus one chunk: the long prompt never entered a step whole
            assertThat(rowsPerStep.stream().mapToInt(Integer::intValue).max().getAsInt()).isLessThanOrEqualTo(budget + 3);
            awaitIdle(scheduler);
        }
    }

    @Test
    void cancellingFreesMemoryAndLeavesOthersAlone() throws Exception {
        GroupThinkRequest steady = request("Tom had a red ball.", 2, 40, Mode.GROUP_THINK, Layout.SLOTTED);
        GroupThinkResult alone = wide.think(steady);
        CountDownLatch started = new CountDownLatch(3);
        SessionListener tick = new SessionListener() {
            @Override
            public void onToken(ThinkerEvent e) {
                started.countDown();
            }
        };
        try (Scheduler scheduler = new Scheduler(wide, new SchedulerOptions(4096, 4, Duration.ofSeconds(60), 4096), null)) {
            SessionHandle keep = scheduler.submit(wide.newSession(steady, null, noStop(0)));
            SessionHandle victim = scheduler.submit(wide.newSession(
                    request("A long tale.", 4, 400, Mode.GROUP_THINK, Layout.SLOTTED), tick, noStop(0)));
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            long reservedBefore = scheduler.stats().kvTokensReserved();
            victim.cancel();
            GroupThinkResult partial = victim.await();
            assertThat(partial.thinkers()).allMatch(t -> t.finishReason() == FinishReason.CANCELLED);
            assertThat(partial.thinkers().get(0).tokens().length).isLessThan(400);
            assertThat(scheduler.stats().kvTokensReserved())
                    .isEqualTo(reservedBefore - victim.session().maxTokens());
            GroupThinkResult kept = keep.await();
            assertThat(kept.thinkers().get(0).tokens()).containsExactly(alone.thinkers().get(0).tokens());
            assertThat(kept.thinkers().get(1).tokens()).containsExactly(alone.thinkers().get(1).tokens());
            awaitIdle(scheduler);
            victim.cancel(); // idempotent after completion
        }
    }

    @Test
    void overloadCompletesOrRejectsEveryRequestAndMemoryReturns() throws Exception {
        int before = model.liveArrays();
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(600, 8, Duration.ofSeconds(20), 512), null)) {
            int baseline = model.liveArrays();
            List<CompletableFuture<GroupThinkResult>> futures = new ArrayList<>();
            AtomicInteger rejectedAtSubmit = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                try {
                    futures.add(scheduler.submit(model.newSession(
                            request("Story " + i, 1 + i % 3, 8, Mode.GROUP_THINK, Layout.SLOTTED), null, null)).result());
                } catch (EngineBusyException e) {
                    assertThat(e.getMessage()).contains("engine busy");
                    rejectedAtSubmit.incrementAndGet();
                }
            }
            int done = 0;
            int rejectedLater = 0;
            for (CompletableFuture<GroupThinkResult> f : futures) {
                try {
                    assertThat(f.get(60, TimeUnit.SECONDS).thinkers()).isNotEmpty();
                    done++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(EngineBusyException.class);
                    rejectedLater++;
                }
            }
            assertThat(done + rejectedLater + rejectedAtSubmit.get()).isEqualTo(100);
            assertThat(done).isPositive();
            assertThat(rejectedAtSubmit.get() + rejectedLater).isPositive();
            awaitIdle(scheduler);
            assertThat(scheduler.stats().rejected()).isEqualTo(rejectedAtSubmit.get() + rejectedLater);
            assertThat(model.liveArrays()).isEqualTo(baseline);
        }
        assertThat(model.liveArrays()).isEqualTo(before);
    }

    @Test
    void aLongSessionDoesNotStarveShortOnes() throws Exception {
        try (Scheduler scheduler = new Scheduler(wide, new SchedulerOptions(4096, 8, Duration.ofSeconds(60), 4096), null)) {
            SessionHandle longOne = scheduler.submit(wide.newSession(
                    request("A long tale.", 2, 300, Mode.GROUP_THINK, Layout.SLOTTED), null, noStop(0)));
            Thread.sleep(50);
            List<SessionHandle> shorts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                shorts.add(scheduler.submit(wide.newSession(
                        request("Short " + i, 1, 10, Mode.COT, Layout.SLOTTED), null, noStop(0))));
            }
            for (SessionHandle s : shorts) {
                s.await();
            }
            assertThat(longOne.result().isDone()).as("short sessions finish while the long one still runs").isFalse();
            longOne.await();
            awaitIdle(scheduler);
        }
    }

    @Test
    void sessionsLargerThanTheBudgetAreRefusedAtOnce() {
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(100, 8, Duration.ofSeconds(5), 512), null)) {
            GroupThinkSession big = model.newSession(request("Big", 2, 64, Mode.GROUP_THINK, Layout.SLOTTED), null, null);
            assertThatThrownBy(() -> scheduler.submit(big)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("KV budget is 100 tokens");
        }
    }

    @Test
    void aFailingStepFailsItsSessionsAndTheLoopGoesOn() {
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(4096, 8, Duration.ofSeconds(30), 4096), null)) {
            StepHook boom = new StepHook() {
                @Override
                public void logits(int lane, int index, float[] l) {
                    if (index == 3) {
                        throw new IllegalStateException("injected failure");
                    }
                }
            };
            SessionHandle bad = scheduler.submit(model.newSession(request("Bad", 2, 10, Mode.GROUP_THINK, Layout.SLOTTED), null, boom));
            assertThatThrownBy(bad::await).hasMessageContaining("injected failure");
            GroupThinkResult ok = scheduler.submit(model.newSession(
                    request("Good", 2, 10, Mode.GROUP_THINK, Layout.SLOTTED), null, null)).await();
            assertThat(ok.thinkers()).hasSize(2);
            assertThat(scheduler.stats().failed()).isEqualTo(1);
            awaitIdle(scheduler);
        }
    }

    @Test
    void aThrowingListenerEndsOnlyItsOwnSession() {
        try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(4096, 8, Duration.ofSeconds(30), 4096), null)) {
            SessionListener rude = new SessionListener() {
                @Override
                public void onToken(ThinkerEvent e) {
                    throw new IllegalStateException("client went away");
                }
            };
            GroupThinkRequest r = request("Tom had a red ball.", 2, 20, Mode.GROUP_THINK, Layout.SLOTTED);
            SessionHandle rudeOne = scheduler.submit(model.newSession(r, rude, null));
            SessionHandle fine = scheduler.submit(model.newSession(r, null, null));
            assertThatThrownBy(rudeOne::await).hasMessage("client went away");
            assertThat(rudeOne.status()).isEqualTo(SessionStatus.FAILED);
            assertThat(rudeOne.session().error()).hasMessage("client went away");
            assertThat(fine.await().thinkers().get(0).tokens()).containsExactly(model.think(r).thinkers().get(0).tokens());
        }
    }

    @Test
    void shutdownEndsSessionsInFlightWithAClearError() throws Exception {
        Scheduler scheduler = new Scheduler(wide, new SchedulerOptions(4096, 8, Duration.ofSeconds(30), 4096), null);
        SessionHandle running = scheduler.submit(wide.newSession(
                request("A long tale.", 2, 400, Mode.GROUP_THINK, Layout.SLOTTED), null, noStop(0)));
        Thread.sleep(100);
        scheduler.close();
        assertThatThrownBy(running::await).isInstanceOf(EngineClosedException.class).hasMessageContaining("shutting down");
        assertThatThrownBy(() -> scheduler.submit(wide.newSession(request("late", 1, 4, Mode.COT, Layout.SLOTTED), null, null)))
                .isInstanceOf(EngineClosedException.class);
        scheduler.close(); // idempotent
    }

    /**
     * A drain finishes what was accepted: the running session and the one queued behind it for KV
     * memory (a load balancer cannot send an accepted request elsewhere); only new ones are refused.
     */
    @Test
    void aDrainFinishesQueuedSessionsAndRefusesNewOnes() throws Exception {
        GroupThinkRequest tale = request("Tom had a red ball.", 2, 300, Mode.GROUP_THINK, Layout.SLOTTED);
        GroupThinkResult alone = wide.think(tale);
        GroupThinkSession first = wide.newSession(tale, null, noStop(0));
        GroupThinkSession second = wide.newSession(tale, null, noStop(0));
        int oneAtATime = first.maxTokens() + second.maxTokens() - 1;
        Scheduler scheduler = new Scheduler(wide, new SchedulerOptions(oneAtATime, 8, Duration.ofSeconds(60), 4096),
                null);
        try {
            SessionHandle running = scheduler.submit(first);
            SessionHandle queued = scheduler.submit(second);
            assertThat(scheduler.stats().queued()).as("the second waits for the first's memory").isPositive();
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(
                    () -> scheduler.shutdown(Duration.ofSeconds(60)));
            await(() -> drained.isDone() || refused(scheduler), "new sessions refused while draining");
            assertThat(drained.get(60, TimeUnit.SECONDS)).as("every accepted session finished").isTrue();
            for (SessionHandle h : List.of(running, queued)) {
                GroupThinkResult r = h.await();
                assertThat(r.thinkers().get(0).tokens()).containsExactly(alone.thinkers().get(0).tokens());
                assertThat(r.thinkers().get(1).tokens()).containsExactly(alone.thinkers().get(1).tokens());
            }
        } finally {
            scheduler.close();
        }
    }

    private boolean refused(Scheduler scheduler) {
        try {
            scheduler.submit(wide.newSession(request("late", 1, 4, Mode.COT, Layout.SLOTTED), null, null)).cancel();
            return false;
        } catch (EngineClosedException e) {
            return true;
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void anInterruptedWaiterCancelsItsSessionAndKeepsTheFlag() throws Exception {
        try (Scheduler scheduler = new Scheduler(wide, new SchedulerOptions(4096, 8, Duration.ofSeconds(30), 4096), null)) {
            SessionHandle h = scheduler.submit(wide.newSession(
                    request("A long tale.", 2, 400, Mode.GROUP_THINK, Layout.SLOTTED), null, noStop(0)));
            boolean[] flag = new boolean[1];
            Thread waiter = new Thread(() -> {
                try {
                    h.await();
                } catch (IllegalStateException e) {
                    flag[0] = Thread.currentThread().isInterrupted();
                }
            });
            waiter.start();
            Thread.sleep(100);
            waiter.interrupt();
            waiter.join(10_000);
            assertThat(waiter.isAlive()).isFalse();
            assertThat(flag[0]).isTrue();
            assertThat(h.result().get(30, TimeUnit.SECONDS).thinkers())
                    .allMatch(t -> t.finishReason() == FinishReason.CANCELLED);
            awaitIdle(scheduler);
        }
    }

    StepHook noStop(int unused) {
        return noStopHook();
    }

    static StepHook noStopHook() {
        return new StepHook() {
            @Override
            public int override(int lane, int index, int sampled) {
                return sampled <= 2 ? 7 : sampled; // ids 0-2 are unk/bos/eos in both test models
            }
        };
    }

    /** A long preamble before anything that differs, as a system prompt common to every call. */
    static final String STORY = "Once upon a time there was a little girl named Lily. She loved to play in the park "
            + "with her dog. ";
    static final PromptTemplate PREAMBLE = new PromptTemplate(STORY + "We are {count} friends.", STORY + "A story.",
            "{question} I am friend {id}.{role}", " I {role}.", "F{id}:", " The end:");

    List<GroupThinkRequest> sharingPrefix(int firstTokens) {
        List<GroupThinkRequest> out = new ArrayList<>();
        String[] questions = {"Tom had a red ball.", "Lily saw a big dog.", "The sun was hot.", "Sam and Sue played.",
            "A bird sang.", "Max found a box."};
        int[] thinkers = {2, 3, 2, 4, 1, 2};
        Mode[] modes = {Mode.GROUP_THINK, Mode.GROUP_THINK, Mode.INDEPENDENT, Mode.GROUP_THINK, Mode.COT,
            Mode.GROUP_THINK};
        for (int i = 0; i < questions.length; i++) {
            out.add(GroupThinkRequest.builder(questions[i]).thinkers(thinkers[i]).maxTokens(i == 0 ? firstTokens : 20)
                    .mode(modes[i]).layout(i % 2 == 0 ? Layout.SLOTTED : Layout.INTERLEAVED).template(PREAMBLE).build());
        }
        return out;
    }

    /**
     * Also on the kernel, whose decode steps attend on the heap: a borrower gathers its lent slots
     * out of the key tiles, and the donor's end compacts the tiles under the borrowers.
     */
    @ParameterizedTest(name = "kernel {0}")
    @ValueSource(booleans = {false, true})
    void sessionsBorrowACommonPromptPrefixAndDecodeExactlyAsAlone(boolean kernel) throws Exception {
        GroupThinkModel model = TestModels.load(TestModels.stories(), kernel);
        for (boolean burst : new boolean[] {false, true}) {
            // submitted while the first runs (it must outlive their admission), or all at once, the
            // first finishing long before the others: its lent slots must outlive it
            List<GroupThinkRequest> requests = sharingPrefix(burst ? 4 : 60);
            List<GroupThinkResult> alone = new ArrayList<>();
            for (GroupThinkRequest r : requests) {
                alone.add(model.think(r, null, noStop(0)));
            }
            try (Scheduler scheduler = new Scheduler(model, new SchedulerOptions(8192, 16, Duration.ofSeconds(60), 4096),
                    null)) {
                List<SessionHandle> handles = new ArrayList<>();
                CountDownLatch started = new CountDownLatch(1);
                SessionListener first = new SessionListener() {
                    @Override
                    public void onToken(ThinkerEvent e) {
                        started.countDown();
                    }
                };
                for (int i = 0; i < requests.size(); i++) {
                    handles.add(scheduler.submit(model.newSession(requests.get(i), i == 0 ? first : null, noStop(0))));
                    if (i == 0 && !burst) {
                        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue(); // the donor is running
                    }
                }
                int borrowers = 0;
                for (int i = 0; i < handles.size(); i++) {
                    GroupThinkResult together = handles.get(i).await();
                    assertSameTokens(together, alone.get(i), "burst " + burst + ", session " + i);
                    if (together.promptTokens() < alone.get(i).promptTokens()) {
                        borrowers++;
                    }
                }
                assertThat(borrowers).as("sessions that computed fewer prompt tokens").isEqualTo(requests.size() - 1);
                assertThat(scheduler.stats().sharedPrefixTokens()).isGreaterThanOrEqualTo(
                        (long) (requests.size() - 1) * SchedulerOptions.MIN_SHARED_PREFIX);
                awaitIdle(scheduler);
            }
        }
    }

    @Test
    void prefixSharingCanBeTurnedOff() throws Exception {
        List<GroupThinkRequest> requests = sharingPrefix(4);
        try (Scheduler scheduler = new Scheduler(model,
                new SchedulerOptions(8192, 16, Duration.ofSeconds(60), 4096).withPrefixSharing(false), null)) {
            List<SessionHandle> handles = new ArrayList<>();
            for (GroupThinkRequest r : requests) {
                handles.add(scheduler.submit(model.newSession(r, null, noStop(0))));
            }
            for (SessionHandle h : handles) {
                h.await();
            }
            assertThat(scheduler.stats().sharedPrefixTokens()).isZero();
            awaitIdle(scheduler);
        }
    }

    static void assertSameTokens(GroupThinkResult got, GroupThinkResult expected, String what) {
        assertThat(got.thinkers()).hasSameSizeAs(expected.thinkers());
        for (int n = 0; n < got.thinkers().size(); n++) {
            assertThat(got.thinkers().get(n).tokens()).as("%s thinker %d", what, n)
                    .containsExactly(expected.thinkers().get(n).tokens());
        }
    }

    static void awaitIdle(Scheduler scheduler) {
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end) {
            EngineStats s = scheduler.stats();
            if (s.activeSessions() == 0 && s.queued() == 0 && s.kvTokensInUse() == 0 && s.kvTokensReserved() == 0) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("engine not idle: " + scheduler.stats());
    }
}
