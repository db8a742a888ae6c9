package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.spring.ai.GroupThinkAdvisor;
import io.groupthink.spring.ai.GroupThinkChatModel;
import io.groupthink.spring.session.GroupThinkSessions;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link GroupThinkAdvisor} bean with {@code groupthink.defaults.thinkers} thinkers, for
 * {@code chatClient.prompt().advisors(groupThinkAdvisor)}. It works whatever ChatModel the
 * application's ChatClient is built on: when the application has its own ChatModel (so ours backed
 * off), the advisor gets a Group Think chat model of its own, not registered as a ChatModel bean.
 */
@AutoConfiguration(after = GroupThinkChatModelAutoConfiguration.class)
@ConditionalOnClass({ ChatClient.class, GroupThinkModel.class })
@ConditionalOnBean(GroupThinkSessions.class)
@EnableConfigurationProperties(GroupThinkChatProperties.class)
public class GroupThinkAdvisorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public GroupThinkAdvisor groupThinkAdvisor(ObjectProvider<GroupThinkChatModel> chatModels,
            GroupThinkSessions sessions, GroupThinkChatProperties chat, GroupThinkProperties properties,
            ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<ChatModelObservationConvention> observationConvention) {
        GroupThinkChatModel chatModel = chatModels.getIfUnique(() -> GroupThinkChatModelAutoConfiguration
                .chatModel(sessions, chat, properties, observationRegistry, observationConvention, null));
        return GroupThinkAdvisor.builder(chatModel).thinkers(Math.max(2, properties.getDefaults().getThinkers()))
                .build();
    }
}
