package io.groupthink.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Names the {@code groupthink.*} property that stopped start-up, its value and what it must be. */
class InvalidPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidPropertyException cause) {
        return new FailureAnalysis("Group Think cannot start: the property '" + cause.property() + "' is invalid: "
                + cause.getMessage() + ".",
                "Change '" + cause.property() + "' in your configuration so that it is " + cause.expected() + ".",
                cause);
    }
}
