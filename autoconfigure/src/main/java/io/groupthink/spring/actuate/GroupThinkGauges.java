package io.groupthink.spring.actuate;

import io.groupthink.engine.scheduler.Scheduler;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** Meters read from the scheduler's stats when scraped: active and queued sessions, KV memory, shared prefixes. */
public class GroupThinkGauges implements MeterBinder {

    public static final String ACTIVE_SESSIONS = "groupthink.sessions.active";
    public static final String QUEUED_SESSIONS = "groupthink.sessions.queued";
    public static final String KV_BYTES = "groupthink.kv.bytes";
    public static final String KV_CAPACITY_BYTES = "groupthink.kv.capacity.bytes";
    public static final String KV_TOKENS = "groupthink.kv.tokens";
    public static final String SHARED_PREFIX_TOKENS = "groupthink.kv.shared.prefix.tokens";

    private final Scheduler scheduler;

    public GroupThinkGauges(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(ACTIVE_SESSIONS, scheduler, s -> s.stats().activeSessions())
                .description("Sessions the engine is running")
                .register(registry);
        Gauge.builder(QUEUED_SESSIONS, scheduler, s -> s.stats().queued())
                .description("Sessions waiting for KV memory")
                .register(registry);
        Gauge.builder(KV_BYTES, scheduler, s -> s.stats().kvBytesInUse())
                .description("K/V cache memory holding tokens right now")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder(KV_CAPACITY_BYTES, scheduler, s -> s.stats().kvBytesCapacity())
                .description("K/V cache budget")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder(KV_TOKENS, scheduler, s -> s.stats().kvTokensInUse())
                .description("K/V cache slots holding tokens right now")
                .baseUnit("tokens")
                .register(registry);
        FunctionCounter.builder(SHARED_PREFIX_TOKENS, scheduler, s -> s.stats().sharedPrefixTokens())
                .description("Prompt tokens sessions borrowed from running sessions instead of computing them")
                .baseUnit("tokens")
                .register(registry);
    }
}
