package io.groupthink.engine.hub;

/**
 * The hub could not be reached or kept failing (connection errors, timeouts, HTTP 429/5xx) after the
 * bounded retries.
 */
public final class HubUnavailableException extends HubException {

    public HubUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
