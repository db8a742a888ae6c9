package io.groupthink.engine.scheduler;

/** The engine cannot take the session now: the queue is full or the wait timed out. Transient. */
public class EngineBusyException extends RuntimeException {
    public EngineBusyException(String message) {
        super(message);
    }
}
