package io.groupthink.spring.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An interface whose {@link Thinker @Thinker} methods are the roles of ONE Group Think session:
 * calling the group runs a single inference with one thinker per role (not one chat call per
 * agent), and each role's output comes back typed.
 *
 * <pre class="code">
 * &#64;GroupThinkAgents(prompt = "Review this launch plan:\n{plan}", maxTokensPerThinker = 256)
 * interface LaunchReview {
 *
 *     &#64;Thinker("security reviewer")
 *     String security(String plan);
 *
 *     &#64;Thinker("cost analyst")
 *     CostEstimate cost(String plan);      // mapped from JSON like Spring AI's entity()
 *
 *     Review review(String plan);          // the group call: record Review(String security, CostEstimate cost)
 * }
 * </pre>
 *
 * <p>Methods of such an interface are one of:
 * <ul>
 *   <li><b>{@code @Thinker} methods</b>: the roles, numbered in declaration order. Calling one runs
 *       the whole group (one session) and returns that role's output.</li>
 *   <li><b>group calls</b> (abstract, not annotated): run the group once and return a record whose
 *       components are named after the roles (each mapped to its component's type; a component of
 *       type {@code GroupThinkResponse} gets the whole response, one named {@code finalAnswer} the
 *       final answer), a {@code Map<String, Object>} keyed by role method, or
 *       {@code GroupThinkResponse}.</li>
 *   <li><b>{@link GroupThink @GroupThink} methods</b>: N anonymous thinkers and a final answer.</li>
 *   <li>default methods, which run as written.</li>
 * </ul>
 * Interfaces in the application's auto-configuration packages are found automatically; use
 * {@link EnableGroupThinkAgents} for others.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface GroupThinkAgents {

    /**
     * The question, with {@code {name}} (or {@code {0}}) standing for the method's arguments. Empty
     * uses the single argument as the question, or "name: value" lines for several.
     */
    String prompt() default "";

    /** Token budget of each thinker; 0 takes {@code groupthink.defaults.tokens-per-thinker}. */
    int maxTokensPerThinker() default 0;

    /** group, independent; empty takes {@code groupthink.defaults.mode}. */
    String mode() default "";

    /** Whether role calls also get a final answer (a record component named {@code finalAnswer}). */
    boolean synthesize() default false;
}
