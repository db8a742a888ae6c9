package io.groupthink.spring.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Like {@code @ConditionalOnMissingBean(ChatModel.class)}, except that a ChatModel marked
 * {@link GroupThinkFallback} does not count: the fallback exists to sit beside the Group Think model.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnNoApplicationChatModelCondition.class)
public @interface ConditionalOnNoApplicationChatModel {}
