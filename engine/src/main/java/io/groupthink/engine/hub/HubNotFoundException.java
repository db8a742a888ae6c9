package io.groupthink.engine.hub;

/** The repo, the revision or a file does not exist on the hub (HTTP 404, or missing from the file list). */
public final class HubNotFoundException extends HubException {

    public HubNotFoundException(String message) {
        super(message);
    }
}
