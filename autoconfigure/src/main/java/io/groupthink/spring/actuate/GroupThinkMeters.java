package io.groupthink.spring.actuate;

import io.groupthink.engine.groupthink.GroupThinkRequest;
import io.groupthink.engine.groupthink.GroupThinkResult;
import io.groupthink.engine.groupthink.GroupThinkSession;
import io.groupthink.engine.groupthink.RoundListener;
import io.groupthink.engine.groupthink.RoundsResult;
import io.groupthink.engine.scheduler.EngineListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Meters fed by the scheduler's events (on the engine thread), so every surface is counted the
 * same way: tokens by mode and thinker count, step latency, batch rows, queue wait, session
 * outcomes and durations. Gauges of the engine's state are in {@link GroupThinkGauges}.
 */
public class GroupThinkMeters implements EngineListener, RoundListener {

    public static final String TOKENS = "groupthink.tokens";
    public static final String STEP_LATENCY = "groupthink.step.latency";
    public static final String STEP_ROWS = "groupthink.step.rows";
    public static final String QUEUE_WAIT = "groupthink.queue.wait";
    public static final String SESSIONS = "groupthink.sessions";
    public static final String SESSION_DURATION = "groupthink.session.duration";
    public static final String ROUNDS = "groupthink.rounds";
    public static final String SUMMARY_TOKENS = "groupthink.rounds.summary.tokens";

    private final MeterRegistry registry;
    private final Timer stepLatency;
    private final DistributionSummary stepRows;
    private final Timer queueWait;

    public GroupThinkMeters(MeterRegistry registry) {
        this.registry = registry;
        this.stepLatency = Timer.builder(STEP_LATENCY)
                .description("Wall time of one forward pass over the batch of every active session")
                .register(registry);
        this.stepRows = DistributionSummary.builder(STEP_ROWS)
                .description("Rows (tokens) in one forward pass")
                .baseUnit("tokens")
                .register(registry);
        this.queueWait = Timer.builder(QUEUE_WAIT)
                .description("Time a session waited for KV memory before the engine admitted it")
                .register(registry);
    }

    @Override
    public void onStep(int rows, int sessions, double millis) {
        stepLatency.record((long) (millis * 1_000_000), TimeUnit.NANOSECONDS);
        stepRows.record(rows);
    }

    @Override
    public void onAdmitted(GroupThinkSession session, double queueMillis) {
        queueWait.record((long) (queueMillis * 1_000_000), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onCompleted(GroupThinkSession session, GroupThinkResult result) {
        GroupThinkRequest r = session.request();
        String mode = mode(r);
        String thinkers = Integer.toString(r.thinkers());
        Counter.builder(TOKENS)
                .description("Tokens generated, thinkers and final answer together")
                .baseUnit("tokens")
                .tag("mode", mode)
                .tag("thinkers", thinkers)
                .register(registry)
                .increment(result.generatedTokens());
        Timer.builder(SESSION_DURATION)
                .description("Wall time of a session, from submission to its last token")
                .tag("mode", mode)
                .tag("thinkers", thinkers)
                .register(registry)
                .record((long) (result.wallMillis() * 1_000_000), TimeUnit.NANOSECONDS);
        outcome("completed");
    }

    /** A session in rounds ended: its rounds, and the tokens its summaries took. */
    @Override
    public void onComplete(RoundsResult result) {
        DistributionSummary.builder(ROUNDS)
                .description("Rounds per session in rounds")
                .baseUnit("rounds")
                .register(registry)
                .record(result.rounds().size());
        Counter.builder(SUMMARY_TOKENS)
                .description("Tokens written by the summaries of sessions in rounds")
                .baseUnit("tokens")
                .register(registry)
                .increment(result.summaryTokens());
    }

    @Override
    public void onFailed(GroupThinkSession session, Throwable error) {
        outcome("failed");
    }

    @Override
    public void onRejected(GroupThinkSession session, Throwable reason) {
        outcome("rejected");
    }

    private void outcome(String outcome) {
        Counter.builder(SESSIONS)
                .description("Sessions that ended, by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    static String mode(GroupThinkRequest request) {
        return request.mode().name().toLowerCase(Locale.ROOT);
    }
}
