package io.groupthink.spring.client;

import java.time.Duration;

/** The call's time limit fired; its engine session was cancelled, so its KV memory is freed. */
public class GroupThinkTimeoutException extends GroupThinkException {

    private final long session;

    private final Duration limit;

    public GroupThinkTimeoutException(long session, Duration limit, Throwable cause) {
        super("Group Think session " + session + " exceeded its time limit of " + limit.toMillis()
                + " ms and was cancelled (limit: resilience4j.timelimiter.instances.groupthink.timeout-duration)",
                cause);
        this.session = session;
        this.limit = limit;
    }

    public long session() {
        return session;
    }

    public Duration limit() {
        return limit;
    }
}
