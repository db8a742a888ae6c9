package io.groupthink.spring.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A method of a {@link GroupThinkAgents} interface answered by N thinkers in one Group Think
 * session, then a final answer that sees them all. Returns the final answer as {@code String},
 * mapped to any other type from JSON (like Spring AI's {@code entity()}), or the whole
 * {@code GroupThinkResponse}.
 *
 * <pre class="code">
 * &#64;GroupThink(thinkers = 4, prompt = "Plan a migration of {service} to Java 21")
 * MigrationPlan plan(String service);
 * </pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface GroupThink {

    /** Thinkers; 0 takes {@code groupthink.defaults.thinkers}. Ignored when roles are given. */
    int thinkers() default 0;

    /** Optional roles, one thinker each. */
    String[] roles() default {};

    /** Token budget of each thinker; 0 takes the group's or {@code groupthink.defaults.tokens-per-thinker}. */
    int maxTokensPerThinker() default 0;

    /** The question; empty takes the group's prompt, or the arguments. */
    String prompt() default "";

    /** group, independent; empty takes the group's or {@code groupthink.defaults.mode}. */
    String mode() default "";
}
