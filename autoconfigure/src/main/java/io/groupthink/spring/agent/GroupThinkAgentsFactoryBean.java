package io.groupthink.spring.agent;

import io.groupthink.spring.session.GroupThinkSessions;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.SmartFactoryBean;

/**
 * Makes the proxy of one {@link GroupThinkAgents} interface. Eager, so that the interface is
 * read and checked at start-up even when nothing injects it yet.
 */
public class GroupThinkAgentsFactoryBean<T> implements SmartFactoryBean<T>, BeanFactoryAware {

    private final Class<T> type;
    private BeanFactory beanFactory;

    public GroupThinkAgentsFactoryBean(Class<T> type) {
        this.type = type;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public T getObject() {
        GroupThinkSessions sessions;
        try {
            sessions = beanFactory.getBean(GroupThinkSessions.class);
        } catch (NoSuchBeanDefinitionException e) {
            throw new IllegalStateException("@GroupThinkAgents " + type.getName()
                    + " needs Group Think configured: set groupthink.model.path (and groupthink.enabled=true)", e);
        }
        return AgentProxy.create(type, sessions);
    }

    @Override
    public boolean isEagerInit() {
        return true;
    }

    @Override
    public Class<?> getObjectType() {
        return type;
    }
}
