package io.groupthink.spring.autoconfigure;

import io.groupthink.spring.ai.GroupThinkFallback;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when every ChatModel bean defined so far is marked {@link GroupThinkFallback}. */
class OnNoApplicationChatModelCondition extends SpringBootCondition implements ConfigurationCondition {

    @Override
    public ConfigurationPhase getConfigurationPhase() {
        return ConfigurationPhase.REGISTER_BEAN;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (beanFactory == null) {
            return ConditionOutcome.match("no bean factory");
        }
        List<String> own = new ArrayList<>();
        for (String name : beanFactory.getBeanNamesForType(ChatModel.class, true, false)) {
            if (beanFactory.findAnnotationOnBean(name, GroupThinkFallback.class, false) == null) {
                own.add(name);
            }
        }
        return own.isEmpty() ? ConditionOutcome.match("no application ChatModel bean")
                : ConditionOutcome.noMatch("the application defines ChatModel bean(s) " + own);
    }
}
