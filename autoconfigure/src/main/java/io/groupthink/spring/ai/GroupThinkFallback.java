package io.groupthink.spring.ai;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks the {@code ChatModel} bean that serves calls when Group Think cannot (circuit breaker
 * open, engine failure). A model so marked is not "the application's own ChatModel": the Group
 * Think ChatModel still configures itself beside it.
 *
 * <pre class="code">
 * &#64;Bean &#64;GroupThinkFallback
 * ChatModel fallbackModel(OllamaApi api) { return OllamaChatModel.builder().ollamaApi(api).build(); }
 * </pre>
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface GroupThinkFallback {}
