package io.groupthink.spring.agent;

import java.lang.reflect.Method;

/**
 * A {@link GroupThinkAgents} interface Group Think cannot answer as written: a mode typo, a
 * return type that cannot be mapped, a placeholder no argument fills. Thrown when the proxy is
 * made, at start-up, naming the interface and, when it is one method's fault, the method.
 */
public class InvalidAgentException extends IllegalStateException {

    private final Class<?> agentInterface;
    private final String method;

    InvalidAgentException(Class<?> agentInterface, Method method, String problem) {
        this(agentInterface, method, problem, null);
    }

    InvalidAgentException(Class<?> agentInterface, Method method, String problem, Throwable cause) {
        super("@GroupThinkAgents " + agentInterface.getName() + (method != null ? ", method " + method.getName()
                + "()" : "") + ": " + problem, cause);
        this.agentInterface = agentInterface;
        this.method = method == null ? null : method.getName();
    }

    /** The interface at fault. */
    public Class<?> agentInterface() {
        return agentInterface;
    }

    /** The method at fault, or null when the interface as a whole is. */
    public String method() {
        return method;
    }
}
