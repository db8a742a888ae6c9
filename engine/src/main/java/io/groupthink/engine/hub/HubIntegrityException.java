package io.groupthink.engine.hub;

/**
 * A downloaded file does not match what the hub said it is (size or sha256). The partial download has been
 * deleted by the time this is thrown; nothing was put in the cache under the file's name.
 */
public final class HubIntegrityException extends HubException {

    private final String file;
    private final String expected;
    private final String actual;

    public HubIntegrityException(String file, String what, String expected, String actual) {
        super(what + " mismatch for " + file + ": expected " + expected + " but the download has " + actual
                + " (the partial download was deleted; retry, and if it persists the hub or a proxy is"
                + " serving corrupted data)");
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    public String file() {
        return file;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
