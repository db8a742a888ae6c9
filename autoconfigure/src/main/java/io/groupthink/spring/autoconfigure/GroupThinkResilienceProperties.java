package io.groupthink.spring.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How Group Think uses Resilience4j, under {@code groupthink.resilience.*}. The limits themselves
 * are the usual {@code resilience4j.bulkhead|timelimiter|circuitbreaker.instances.<instance>.*}.
 */
@ConfigurationProperties(GroupThinkResilienceProperties.PREFIX)
public class GroupThinkResilienceProperties {

    public static final String PREFIX = "groupthink.resilience";

    /** Whether to guard sessions with a bulkhead, a time limit and a circuit breaker. */
    private boolean enabled = true;

    /** Name of the Resilience4j instances (bulkhead, time limiter, circuit breaker) to use. */
    private String instance = "groupthink";

    /**
     * Time limit when resilience4j.timelimiter.instances.&lt;instance&gt; is not configured:
     * Resilience4j's own 1 s default suits HTTP calls, not generation.
     */
    private Duration defaultTimeout = Duration.ofMinutes(2);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getInstance() {
        return instance;
    }

    public void setInstance(String instance) {
        this.instance = instance;
    }

    public Duration getDefaultTimeout() {
        return defaultTimeout;
    }

    public void setDefaultTimeout(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }
}
