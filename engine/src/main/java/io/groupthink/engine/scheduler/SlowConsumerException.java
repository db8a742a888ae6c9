package io.groupthink.engine.scheduler;

import java.util.concurrent.CancellationException;

/** A session was cancelled because its listener or subscriber fell too far behind the engine. */
public class SlowConsumerException extends CancellationException {
    public SlowConsumerException(String message) {
        super(message);
    }
}
