package io.groupthink.spring.autoconfigure;

import java.nio.file.Path;

/**
 * The model named by {@code groupthink.model.path} is missing or cannot be loaded. Reported at
 * start-up by {@link ModelPathFailureAnalyzer}.
 */
class ModelPathException extends RuntimeException {

    private final Path path;

    ModelPathException(Path path, String problem, Throwable cause) {
        super(problem, cause);
        this.path = path;
    }

    /** The configured path, or null when the property is not set. */
    Path path() {
        return path;
    }
}
