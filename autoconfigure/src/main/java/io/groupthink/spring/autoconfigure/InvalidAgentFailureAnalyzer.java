package io.groupthink.spring.autoconfigure;

import io.groupthink.spring.agent.InvalidAgentException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Names the {@code @GroupThinkAgents} interface (and method) that stopped start-up. */
class InvalidAgentFailureAnalyzer extends AbstractFailureAnalyzer<InvalidAgentException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidAgentException cause) {
        String where = cause.agentInterface().getName() + (cause.method() != null ? "." + cause.method() + "()" : "");
        return new FailureAnalysis("Group Think cannot build the agent interface " + where + ": " + cause.getMessage(),
                "Fix " + where + " as the message says (see @GroupThinkAgents for the method kinds and what they may "
                        + "return), or set 'groupthink.agents.enabled=false' to register no agents.",
                cause);
    }
}
