package io.groupthink.engine.hub;

/**
 * A model could not be acquired from the Hugging Face hub (or from its local cache). The message is meant
 * to be shown to a user as it is: it names the repo, revision and file concerned and what to do about it.
 *
 * <p>Subclasses tell the causes apart: {@link HubAccessException} (401/403: gated, private, bad token),
 * {@link HubNotFoundException} (404: no such repo, revision or file), {@link HubOfflineException} (offline
 * and not in the cache), {@link HubIntegrityException} (size or sha256 mismatch) and
 * {@link HubUnavailableException} (network failures and 5xx answers that outlasted the retries).
 */
public class HubException extends RuntimeException {

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
