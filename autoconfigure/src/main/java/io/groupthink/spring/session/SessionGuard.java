package io.groupthink.spring.session;

import java.time.Duration;

/**
 * Admission and time limits around engine sessions. Every surface (client, ChatModel, agents)
 * passes through it, so one bulkhead bounds the sessions of the whole application.
 *
 * <p>A permit is held for the life of the <em>engine</em> session, not of the caller: a call that
 * timed out keeps its seat until the engine has cancelled it, so the bulkhead never admits more
 * sessions than the engine is really running.
 */
public interface SessionGuard {

    /** No limits: the engine's own queue bound is the only admission control. */
    SessionGuard NONE = () -> Permit.NONE;

    /**
     * Takes a seat for one session.
     *
     * @throws GroupThinkBusyException        when every seat is taken
     * @throws GroupThinkUnavailableException when calls are refused (circuit open)
     */
    Permit enter();

    /** Whether calls are refused right now (an open circuit breaker): the health indicator reports DOWN. */
    default boolean refusing() {
        return false;
    }

    /** One admitted call. */
    interface Permit {

        Permit NONE = new Permit() {};

        /** How long the call may take, queueing included; null for no limit. */
        default Duration timeLimit() {
            return null;
        }

        /** The call produced its result in {@code nanos}. */
        default void succeeded(long nanos) {}

        /** The call failed (engine error or time limit); counts against the circuit breaker. */
        default void failed(Throwable error, long nanos) {}

        /** The call ended in a way that says nothing about the engine's health (bad request, caller cancelled). */
        default void ignored() {}

        /** The engine session is over: frees the seat. Called exactly once. */
        default void release() {}
    }
}
