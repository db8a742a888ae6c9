package io.groupthink.engine.scheduler;

/** The engine loop itself failed; every session it held ends with this, the cause attached. */
public class EngineFaultException extends IllegalStateException {
    public EngineFaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
