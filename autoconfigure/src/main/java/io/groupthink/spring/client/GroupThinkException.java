package io.groupthink.spring.client;

/**
 * A Group Think call did not produce a result. Subclasses say whether retrying can help:
 * {@link GroupThinkBusyException} (transient overload), {@link GroupThinkTimeoutException} (the
 * time limit fired and the engine session was cancelled) and {@link GroupThinkUnavailableException}
 * (circuit open or shutting down).
 */
public class GroupThinkException extends RuntimeException {

    public GroupThinkException(String message) {
        super(message);
    }

    public GroupThinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
