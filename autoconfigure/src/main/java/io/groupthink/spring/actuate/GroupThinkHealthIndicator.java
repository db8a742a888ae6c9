package io.groupthink.spring.actuate;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.scheduler.EngineStats;
import io.groupthink.engine.scheduler.Scheduler;
import java.util.function.BooleanSupplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * UP while the model is loaded, the engine thread is alive and (when Resilience4j guards the
 * sessions) the circuit breaker is not open; DOWN otherwise, with the reason: also while the
 * engine recovers from a fault, and from the start of a drain on shutdown.
 */
public class GroupThinkHealthIndicator extends AbstractHealthIndicator {

    private final GroupThinkModel model;
    private final Scheduler scheduler;
    private final BooleanSupplier circuitOpen;

    public GroupThinkHealthIndicator(GroupThinkModel model, Scheduler scheduler, BooleanSupplier circuitOpen) {
        super("Group Think health check failed");
        this.model = model;
        this.scheduler = scheduler;
        this.circuitOpen = circuitOpen == null ? () -> false : circuitOpen;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        EngineStats stats = scheduler.stats();
        boolean loaded = !model.isClosed();
        boolean open = circuitOpen.getAsBoolean();
        if (loaded && stats.alive() && !open) {
            builder.up();
        } else {
            builder.down();
        }
        builder.withDetail("model", String.valueOf(model.dir()))
                .withDetail("modelLoaded", loaded)
                .withDetail("engineAlive", stats.alive())
                .withDetail("circuitOpen", open)
                .withDetail("activeSessions", stats.activeSessions())
                .withDetail("queuedSessions", stats.queued())
                .withDetail("kvTokensInUse", stats.kvTokensInUse())
                .withDetail("kvTokensCapacity", stats.kvTokensCapacity())
                .withDetail("failedSessions", stats.failed())
                .withDetail("engineFaults", stats.faults());
        if (stats.lastError() != null) {
            builder.withDetail("lastError", stats.lastError().toString());
        }
    }
}
