package io.groupthink.spring.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One role of a {@link GroupThinkAgents} group: one thinker of the group's session. The method's
 * return type is the type of that role's output ({@code String} for text, anything else mapped from
 * JSON the way Spring AI's structured output does).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Thinker {

    /** The role, as the thinker is told it: "security reviewer". */
    String value();
}
