package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.spring.agent.GroupThinkAgents;
import io.groupthink.spring.agent.GroupThinkAgentsRegistrar;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Import;

/**
 * Registers a bean for every {@link GroupThinkAgents} interface in the application's
 * auto-configuration packages. Switch off with {@code groupthink.agents.enabled=false}.
 */
@AutoConfiguration(after = GroupThinkAutoConfiguration.class)
@ConditionalOnClass(GroupThinkModel.class)
@ConditionalOnBooleanProperty(name = "groupthink.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "groupthink.agents.enabled", matchIfMissing = true)
@Import(GroupThinkAgentsRegistrar.class)
public class GroupThinkAgentsAutoConfiguration {
}
