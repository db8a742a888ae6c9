package io.groupthink.engine.hub;

/** The hub refused access (HTTP 401/403): the model is gated or private, or the token is missing/invalid. */
public final class HubAccessException extends HubException {

    private final int status;

    public HubAccessException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the hub answered with (401 or 403). */
    public int status() {
        return status;
    }
}
