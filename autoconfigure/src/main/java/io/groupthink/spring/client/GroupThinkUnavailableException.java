package io.groupthink.spring.client;

/**
 * Group Think will not take calls right now: the circuit breaker is open after engine failures,
 * or the engine is shutting down. Fails fast instead of queueing.
 */
public class GroupThinkUnavailableException extends GroupThinkException {

    public GroupThinkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
