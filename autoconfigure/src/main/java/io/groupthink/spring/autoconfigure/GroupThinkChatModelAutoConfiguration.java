package io.groupthink.spring.autoconfigure;

import io.groupthink.engine.GroupThinkModel;
import io.groupthink.spring.ai.GroupThinkChatModel;
import io.groupthink.spring.ai.GroupThinkFallback;
import io.groupthink.spring.session.GroupThinkSessions;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The Spring AI {@link ChatModel} backed by Group Think. Chosen like any Spring AI model with
 * {@code spring.ai.model.chat=groupthink} (or when no other is named), and backs off when the
 * application defines its own ChatModel (a {@link GroupThinkFallback} one does not count).
 */
@AutoConfiguration(after = GroupThinkAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({ ChatModel.class, GroupThinkModel.class })
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = GroupThinkChatModel.PROVIDER,
        matchIfMissing = true)
@ConditionalOnBean(GroupThinkSessions.class)
@EnableConfigurationProperties(GroupThinkChatProperties.class)
public class GroupThinkChatModelAutoConfiguration {

    @Bean
    @ConditionalOnNoApplicationChatModel
    public GroupThinkChatModel groupThinkChatModel(GroupThinkSessions sessions, GroupThinkChatProperties chat,
            GroupThinkProperties properties, ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<ChatModelObservationConvention> observationConvention,
            @GroupThinkFallback ObjectProvider<ChatModel> fallback) {
        return chatModel(sessions, chat, properties, observationRegistry, observationConvention,
                fallback.getIfUnique());
    }

    /** The chat model as configured; the advisor makes its own when the application has another ChatModel. */
    static GroupThinkChatModel chatModel(GroupThinkSessions sessions, GroupThinkChatProperties chat,
            GroupThinkProperties properties, ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<ChatModelObservationConvention> observationConvention, ChatModel fallback) {
        GroupThinkChatModel chatModel = new GroupThinkChatModel(sessions,
                chat.toOptions(sessions.modelInfo().name(), properties.getDefaults().getTokensPerThinker()),
                observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP), fallback);
        observationConvention.ifAvailable(chatModel::setObservationConvention);
        return chatModel;
    }
}
