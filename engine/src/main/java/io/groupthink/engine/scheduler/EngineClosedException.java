package io.groupthink.engine.scheduler;

/** The engine is shutting down or closed; the session did not (fully) run. */
public class EngineClosedException extends IllegalStateException {
    public EngineClosedException(String message) {
        super(message);
    }
}
