package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.actuate.GroupThinkGauges;
import io.groupthink.spring.actuate.GroupThinkMeters;
import io.groupthink.spring.session.GroupThinkSessions;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters under {@code groupthink.*}, fed by the scheduler so that every surface is
 * measured alike. Switch off with {@code groupthink.metrics.enabled=false}.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" },
        after = GroupThinkAutoConfiguration.class)
@ConditionalOnClass({ GroupThinkModel.class, MeterRegistry.class })
@ConditionalOnBean({ MeterRegistry.class, GroupThinkSessions.class })
@ConditionalOnBooleanProperty(name = "groupthink.metrics.enabled", matchIfMissing = true)
public class GroupThinkMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public GroupThinkMeters groupThinkMeters(MeterRegistry registry) {
        return new GroupThinkMeters(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    public GroupThinkGauges groupThinkGauges(Scheduler scheduler) {
        return new GroupThinkGauges(scheduler);
    }
}
