package io.groupthink.engine.hub;

import java.util.List;

/** Offline mode (or an unreachable hub) and the local cache does not hold what was asked for. */
public final class HubOfflineException extends HubException {

    private final List<String> missing;

    public HubOfflineException(String message, List<String> missing) {
        super(message);
        this.missing = List.copyOf(missing);
    }

    public HubOfflineException(String message, List<String> missing, Throwable cause) {
        super(message, cause);
        this.missing = List.copyOf(missing);
    }

    /** What the cache lacks: file names inside the snapshot, or {@code refs/<revision>} when the ref is unknown. */
    public List<String> missing() {
        return missing;
    }
}
