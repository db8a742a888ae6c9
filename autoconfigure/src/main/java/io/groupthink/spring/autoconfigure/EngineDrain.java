package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.scheduler.Scheduler;
import java.time.Duration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Drains the engine when the context closes, before any bean is destroyed and before the web
 * server stops (highest phase, so it stops first): readiness goes REFUSING_TRAFFIC, the engine
 * refuses new sessions, those it has accepted (running or queued) get
 * {@code groupthink.engine.drain-time} to finish, the rest end with "engine is shutting down".
 */
final class EngineDrain implements SmartLifecycle {

    private final Scheduler scheduler;
    private final Duration drainTime;
    private final ApplicationEventPublisher events;
    private volatile boolean running;

    EngineDrain(Scheduler scheduler, Duration drainTime, ApplicationEventPublisher events) {
        this.scheduler = scheduler;
        this.drainTime = drainTime;
        this.events = events;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        scheduler.shutdown(drainTime);
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
