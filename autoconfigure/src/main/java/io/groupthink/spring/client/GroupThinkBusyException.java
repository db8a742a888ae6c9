package io.groupthink.spring.client;

/**
 * Overload: every session seat is taken (the bulkhead) or the engine's queue for KV memory is full
 * or was waited on too long. Transient: retry later, or raise the limit the message names.
 */
public class GroupThinkBusyException extends GroupThinkException {

    public GroupThinkBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
