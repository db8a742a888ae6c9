package io.groupthink.spring.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Registers {@link GroupThinkAgents} interfaces found under the given packages (default: the
 * annotated class's package). Only needed for interfaces outside the auto-configuration packages.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(GroupThinkAgentsRegistrar.class)
public @interface EnableGroupThinkAgents {

    String[] basePackages() default {};

    Class<?>[] basePackageClasses() default {};
}
