package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.engine.scheduler.Scheduler;
import io.groupthink.spring.actuate.GroupThinkEndpoint;
import io.groupthink.spring.actuate.GroupThinkHealthIndicator;
import io.groupthink.spring.session.GroupThinkSessions;
import io.groupthink.spring.session.SessionGuard;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code groupthink} health indicator ({@code management.health.groupthink.enabled}) and the
 * {@code groupthink} actuator endpoint ({@code management.endpoint.groupthink.*}).
 */
@AutoConfiguration(after = { GroupThinkAutoConfiguration.class, GroupThinkResilienceAutoConfiguration.class })
@ConditionalOnClass(GroupThinkModel.class)
@ConditionalOnBean(GroupThinkSessions.class)
public class GroupThinkActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("groupthink")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "groupthinkHealthIndicator") // contributes as "groupthink"
        GroupThinkHealthIndicator groupthinkHealthIndicator(GroupThinkModel model, Scheduler scheduler,
                ObjectProvider<SessionGuard> guard) {
            SessionGuard g = guard.getIfUnique(() -> SessionGuard.NONE);
            return new GroupThinkHealthIndicator(model, scheduler, g::refusing);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
    @ConditionalOnAvailableEndpoint(GroupThinkEndpoint.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        GroupThinkEndpoint groupThinkEndpoint(GroupThinkModel model, Scheduler scheduler, GroupThinkSessions sessions) {
            return new GroupThinkEndpoint(model, scheduler, sessions);
        }
    }
}
