package io.groupthink.spring.autoconfigure;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.groupthink.engine.GroupThinkModel;
import io.groupthink.spring.session.Resilience4jSessionGuard;
import io.groupthink.spring.session.SessionGuard;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Guards every Group Think session with Resilience4j: the bulkhead, time limiter and circuit
 * breaker instances named {@code groupthink} (see {@link GroupThinkResilienceProperties}),
 * configured through the usual {@code resilience4j.*} properties when resilience4j-spring-boot4
 * is present, and Resilience4j's defaults otherwise.
 */
@AutoConfiguration(before = GroupThinkAutoConfiguration.class, afterName = {
        "io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration",
        "io.github.resilience4j.springboot.timelimiter.autoconfigure.TimeLimiterAutoConfiguration",
        "io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration" })
@ConditionalOnClass({ GroupThinkModel.class, Bulkhead.class, TimeLimiter.class, CircuitBreaker.class })
@ConditionalOnBooleanProperty(name = "groupthink.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "groupthink.resilience.enabled", matchIfMissing = true)
@EnableConfigurationProperties(GroupThinkResilienceProperties.class)
public class GroupThinkResilienceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(SessionGuard.class)
    public Resilience4jSessionGuard groupThinkSessionGuard(GroupThinkResilienceProperties properties,
            ObjectProvider<BulkheadRegistry> bulkheads, ObjectProvider<TimeLimiterRegistry> timeLimiters,
            ObjectProvider<CircuitBreakerRegistry> circuitBreakers) {
        String name = properties.getInstance();
        Bulkhead bulkhead = bulkheads.getIfUnique(BulkheadRegistry::ofDefaults).bulkhead(name);
        CircuitBreaker circuitBreaker = circuitBreakers.getIfUnique(CircuitBreakerRegistry::ofDefaults)
                .circuitBreaker(name);
        TimeLimiterRegistry registry = timeLimiters.getIfUnique(TimeLimiterRegistry::ofDefaults);
        TimeLimiter timeLimiter = registry.find(name).orElseGet(() -> {
            // Configured defaults (resilience4j.timelimiter.configs.default) win; Resilience4j's
            // built-in 1 s does not.
            Duration configured = registry.getDefaultConfig().getTimeoutDuration();
            boolean builtIn = configured.equals(TimeLimiterConfig.ofDefaults().getTimeoutDuration());
            return builtIn ? registry.timeLimiter(name,
                    TimeLimiterConfig.from(registry.getDefaultConfig()).timeoutDuration(properties.getDefaultTimeout())
                            .build())
                    : registry.timeLimiter(name);
        });
        return new Resilience4jSessionGuard(bulkhead, circuitBreaker, timeLimiter);
    }
}
